<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
eval(gzinflate(base64_decode('S03OyFdQyshUsgYA')));
