<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

/* b374k shell 3.2 — structure only */
$s_name = "b374k";
$s_ver = "3.2";
$s_title = $s_name . " " . $s_ver;
$s_pass = "0de664ecd2be02cdd54234a0d1229b43";
$s_login = false;
if (isset($_COOKIE['b374k']) && $_COOKIE['b374k'] == $s_pass) {
    $s_login = true;
}
if (!$s_login) {
    echo "<title>" . $s_title . "</title><form method='post'><input type='password' name='pass'></form>";
} else {
    echo "<title>" . $s_title . "</title>explorer | terminal | eval | mysql | info";
}
