<?php
// Nightly backup button in the site's own admin panel.
require_once __DIR__ . '/auth.php';
require_admin();

const BACKUP_DIR = '/var/backups/site';
$target = BACKUP_DIR . '/db-' . date('Ymd') . '.sql.gz';
$cmd = 'mysqldump --single-transaction sitedb | gzip > ' . escapeshellarg($target);
exec($cmd, $output, $status);
$disk = shell_exec('df -h ' . escapeshellarg(BACKUP_DIR));
system('/usr/bin/logger -t site-backup done');
echo $status === 0 ? 'Backup written to ' . htmlspecialchars($target) : 'Backup failed';
echo '<pre>' . htmlspecialchars((string) $disk) . '</pre>';
