<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

// ~ ALFA TEaM Shell - v4.1-Tesla (structure only)
$GLOBALS['__ALFA_VERSION__'] = "4.1";
$GLOBALS['__ALFA_SHELL_CODE'] = '';
define('ALFA_DATA_DIR', 'ALFA_DATA');
function alfaheader() {
    echo "<title>~ ALFA TEaM Shell ~</title>";
    echo "<div>Server IP: " . htmlspecialchars($_SERVER['SERVER_ADDR']) . "</div>";
}
function alfacgishell() {
    // The real shell writes a CGI helper (alfacgiapi) under ALFA_DATA; the sample does nothing.
    return false;
}
alfaheader();
