<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

include($_GET['page']);
