<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$f = str_rot13('nffreg');
$f('1');
