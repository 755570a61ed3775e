<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

@assert($_REQUEST['a']);
