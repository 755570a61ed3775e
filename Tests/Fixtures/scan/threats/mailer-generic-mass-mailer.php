<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

set_time_limit(0);
if (isset($_POST['send'])) {
    $from = $_POST['from'];
    $subject = $_POST['subject'];
    $body = $_POST['body'];
    $list = explode("\n", $_POST['emails']);
    $n = 0;
    foreach ($list as $to) {
        $to = trim($to);
        if ($to == '') { continue; }
        $headers = "From: " . $from . "\r\nContent-Type: text/html\r\n";
        if (mail($to, $subject, $body, $headers)) { $n++; }
    }
    echo "sent $n";
}
?>
<form method="post">
From: <input name="from" value="service@example.com"><br>
Subject: <input name="subject"><br>
<textarea name="body"></textarea><br>
Recipients (one per line):<br>
<textarea name="emails">a@example.org
b@example.org</textarea><br>
<input type="submit" name="send" value="Send">
</form>
