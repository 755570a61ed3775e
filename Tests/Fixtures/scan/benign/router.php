<?php
// Front controller: page names from the request are reduced to a basename before include.
$page = basename($_GET['page'] ?? 'home');
$file = __DIR__ . '/pages/' . $page . '.php';
if (!is_file($file)) {
    $file = __DIR__ . '/pages/404.php';
}
include $file;
require_once __DIR__ . '/partials/footer.php';
include 'partials/logo.svg.php';
