<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$k = ${'_POST'}['k'];
echo strlen($k);
