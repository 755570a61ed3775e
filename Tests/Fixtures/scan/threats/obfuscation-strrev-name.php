<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$d = strrev('edoced_46esab');
echo $d('aGk=');
