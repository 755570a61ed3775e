<?php
// Newsletter run from cron: recipients come from the database, not from the request.
require __DIR__ . '/db.php';
set_time_limit(0);
$issue = $db->query('SELECT subject, body FROM issues WHERE sent_at IS NULL ORDER BY id LIMIT 1')->fetch();
if (!$issue) {
    exit;
}
$stmt = $db->query('SELECT email, unsubscribe_token FROM subscribers WHERE confirmed = 1');
foreach ($stmt as $row) {
    $body = $issue['body'] . "\n\nUnsubscribe: https://example.com/unsubscribe?t=" . urlencode($row['unsubscribe_token']);
    mail($row['email'], $issue['subject'], $body, "From: news@example.com\r\nList-Unsubscribe: <mailto:unsubscribe@example.com>");
    usleep(200000);
}
$db->exec('UPDATE issues SET sent_at = NOW() WHERE sent_at IS NULL');
