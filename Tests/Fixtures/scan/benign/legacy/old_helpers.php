<?php
// Helpers from an old code base, still working on PHP 8.
function h($s) { return htmlspecialchars($s, ENT_QUOTES); }
function slug($s) {
    $s = strtolower(trim($s));
    $s = preg_replace('/[^a-z0-9]+/', '-', $s);
    return preg_replace('/^-+|-+$/', '', $s);
}
function chr_table() {
    return chr(0) . chr(1) . chr(2) . chr(3) . chr(255) . chr(254) . chr(10) . chr(13) . chr(9);
}
function csv_line(array $cols) {
    return '"' . implode('","', array_map('addslashes', $cols)) . '"' . "\n";
}
$lines = explode("\n", trim($_POST['tags'] ?? ''));
$tags = array_filter(array_map('trim', $lines));
echo h(implode(', ', $tags));
$__ = 'double underscore is sometimes a translation helper name';
