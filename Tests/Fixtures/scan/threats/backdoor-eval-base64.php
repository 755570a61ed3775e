<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

eval(base64_decode('ZWNobyAiaGkiOw=='));
