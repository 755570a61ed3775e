<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

?><html><head><title>xLeet PHPMailer</title></head><body>
<form method="post">
<input name="from" value="noreply@example.com">
<textarea name="to">someone@example.org</textarea>
<textarea name="body"></textarea>
<input type="submit" value="Send">
</form></body></html>
