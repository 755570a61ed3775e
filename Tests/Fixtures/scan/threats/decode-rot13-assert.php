<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$s = str_rot13('nffreg($_ERDHRFG["m"]);');
file_put_contents('y.tmp', $s);
