<?php
// Polyfills loaded by Composer; function names are assembled for the version check only.
if (!function_exists('str_contains')) {
    function str_contains(string $haystack, string $needle): bool
    {
        return '' === $needle || false !== strpos($haystack, $needle);
    }
}
$prefix = 'mb' . '_';
foreach (['strlen', 'substr'] as $fn) {
    if (!function_exists($prefix . $fn)) {
        trigger_error('mbstring missing: ' . $prefix . $fn, E_USER_NOTICE);
    }
}
$label = 'Error' . ' ' . 'handler';
