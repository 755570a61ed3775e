<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

?><!DOCTYPE html>
<html>
<head><title>Mini Shell</title>
<style>body{background:#111;color:#0f0;font-family:monospace}</style>
</head>
<body>
<h2>Mini Shell</h2>
<?php
$path = isset($_GET['path']) ? $_GET['path'] : getcwd();
echo "Current dir: " . htmlspecialchars($path) . "<br>";
echo "Server: " . php_uname() . "<br>";
if (isset($_GET['option']) && $_GET['option'] == 'delete') {
    echo "would delete " . htmlspecialchars($_POST['target']);
}
if (isset($_GET['option']) && $_GET['option'] == 'chmod') {
    echo "would chmod " . htmlspecialchars($_POST['target']);
}
foreach (array('index.php', 'wp-config.php', '.htaccess') as $f) {
    echo "<a href='?path=" . urlencode($path) . "&option=edit&file=" . urlencode($f) . "'>" . $f . "</a><br>";
}
?>
<form method="post" enctype="multipart/form-data">
Upload file: <input type="file" name="file"><input type="submit" value="upload">
</form>
</body>
</html>
