<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$n = chr(115).chr(116).chr(114).chr(95).chr(114).chr(101).chr(112).chr(108).chr(97).chr(99).chr(101);
echo $n('a', 'b', 'banana');
