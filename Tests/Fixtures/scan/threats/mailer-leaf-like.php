<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

/**
 * Leaf PHPMailer — structure only; every send path is gone.
 */
session_start();
function leafTrim($string) { return stripslashes(trim($string)); }
function leafClear($text, $email) {
    $text = str_replace("[-email-]", $email, $text);
    $text = str_replace("[-randomstring-]", "abc123", $text);
    return $text;
}
if (isset($_POST['action']) && $_POST['action'] == 'send') {
    $senderEmail = leafTrim($_POST['senderEmail']);
    $senderName = leafTrim($_POST['senderName']);
    $emailList = leafTrim($_POST['emailList']);
    $messageLetter = leafTrim($_POST['messageLetter']);
    foreach (explode("\n", $emailList) as $email) {
        echo "would send to " . htmlspecialchars($email) . "<br>";
    }
}
?>
<html><head><title>Leaf PHPMailer</title></head>
<body>
<form method="post">
<input name="senderEmail" value="support@example.com"> <input name="senderName">
<textarea name="messageLetter"></textarea>
<textarea name="emailList">user1@example.org
user2@example.org</textarea>
<button name="action" value="send">Send</button>
</form>
</body></html>
