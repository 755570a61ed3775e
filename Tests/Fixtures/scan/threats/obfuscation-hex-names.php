<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$a = "\x61\x73\x73\x65\x72\x74";
$b = "\x62\x61\x73\x65\x36\x34_decode";
$a($b("ZWNobyAiaGkiOw=="));
