<?php
// The site's real login: checks the password hash, logs the attempt, redirects inside the site.
session_start();
require __DIR__ . '/db.php';
$user = $_POST['username'] ?? '';
$row = $db->prepare('SELECT id, password_hash FROM users WHERE username = ?');
$row->execute([$user]);
$account = $row->fetch();
$ok = $account && password_verify($_POST['password'] ?? '', $account['password_hash']);
$log = date('c') . ' login ' . ($ok ? 'ok' : 'failed') . ' for ' . preg_replace('/[^\w.@-]/', '', $user);
$log .= ' from ' . $_SERVER['REMOTE_ADDR'] . "\n";
error_log($log, 3, '/var/log/site/auth.log');
if ($ok) {
    session_regenerate_id(true);
    $_SESSION['uid'] = $account['id'];
    header('Location: /dashboard.php');
} else {
    header('Location: /login.php?error=1');
}
