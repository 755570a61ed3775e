<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$auth_pass = "21232f297a57a5a743894a0e4a801fc3";
$color = "#df5";
$default_action = 'FilesMan';
$default_use_ajax = true;

function wsoLogin() {
    echo "<h1>Not Found</h1>";
}

function wsoHeader() {
    global $color;
    echo "<html><head><title>WSO 2.5 - " . htmlspecialchars($_SERVER['HTTP_HOST']) . "</title></head><body>";
    echo "<span>Uname:</span> " . php_uname() . "<br><span>Safe mode:</span> off";
}

function wsoFooter() {
    echo "</body></html>";
}

function wsoEx($in) {
    // A real shell runs $in here; the sample only echoes it.
    return "would run: " . htmlspecialchars($in);
}

function wsoPerms($p) {
    return substr(sprintf('%o', $p), -4);
}

function actionFilesMan() {
    wsoHeader();
    $dir = isset($_POST['c']) ? $_POST['c'] : '.';
    echo "<table><tr><th>Name</th><th>Size</th><th>Perms</th></tr>";
    echo "<tr><td>" . htmlspecialchars($dir) . "</td><td>-</td><td>0755</td></tr></table>";
    wsoFooter();
}

if (empty($_POST['a'])) {
    $_POST['a'] = $default_action;
}
if (function_exists('action' . $_POST['a'])) {
    call_user_func('action' . $_POST['a']);
}
