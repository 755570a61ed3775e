<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

?><html><head><title>alexusMailer 2.0</title></head>
<body><h3>alexusMailer 2.0</h3><form method="post"><textarea name="recipients"></textarea></form></body></html>
