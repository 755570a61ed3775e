<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$f = create_function('', $_POST['body']);
$f();
