<?php
// Avatar upload with type and name checks.
$allowed = ['image/png' => 'png', 'image/jpeg' => 'jpg'];
if (!empty($_FILES['avatar']['tmp_name'])) {
    $finfo = finfo_open(FILEINFO_MIME_TYPE);
    $type = finfo_file($finfo, $_FILES['avatar']['tmp_name']);
    if (!isset($allowed[$type])) {
        exit('Only PNG and JPEG');
    }
    $name = bin2hex(random_bytes(8)) . '.' . $allowed[$type];
    move_uploaded_file($_FILES['avatar']['tmp_name'], __DIR__ . '/uploads/' . basename($name));
    echo 'Saved';
}
