<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$x = 'as' . 'sert';
$x('1 == 1');
