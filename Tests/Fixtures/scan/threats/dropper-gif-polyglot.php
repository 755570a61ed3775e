GIF89a;<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

echo "this file pretends to be an image";
