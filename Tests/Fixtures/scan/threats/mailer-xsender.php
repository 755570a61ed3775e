<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

?><html><head><title>xSENDER Mailer v3</title></head>
<body><form method="post"><textarea name="list"></textarea><input name="subject"></form></body></html>
