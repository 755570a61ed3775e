<?php
// Runs the queued jobs with the CLI binary.
$php = PHP_BINARY;
foreach (glob(__DIR__ . '/jobs/*.php') as $job) {
    $out = shell_exec(escapeshellcmd($php) . ' ' . escapeshellarg($job) . ' 2>&1');
    file_put_contents(__DIR__ . '/logs/' . basename($job, '.php') . '.log', (string) $out, FILE_APPEND);
}
$proc = proc_open(['/usr/bin/env', 'php', '-v'], [1 => ['pipe', 'w']], $pipes);
echo stream_get_contents($pipes[1]);
