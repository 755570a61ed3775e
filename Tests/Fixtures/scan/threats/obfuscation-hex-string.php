<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$code = hex2bin('6563686f20226869223b'); // 6576616c28 would be eval(
$name = hex2bin('677a696e666c617465');
