<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$a = "\141\163\163\145\162\164";
$b = "\142\141\163\145\66\64_decode";
$a($b("ZWNobyAiaGkiOw=="));
