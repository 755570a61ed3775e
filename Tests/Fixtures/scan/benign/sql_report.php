<?php
// Report page: SQL uses backtick-quoted identifiers next to escaped request values.
require __DIR__ . '/db.php';
$from = $mysqli->real_escape_string($_GET['from'] ?? '2024-01-01');
$table = in_array($_GET['t'] ?? '', ['orders', 'refunds'], true) ? $_GET['t'] : 'orders';
$sql = "SELECT `id`, `total`, `created` FROM `" . $table . "` WHERE `created` >= '" . $from . "' ORDER BY `created`";
$res = $mysqli->query($sql);
$sql2 = "UPDATE `report_views` SET `count` = `count` + 1 WHERE `name` = '" . $mysqli->real_escape_string($_POST['name'] ?? '') . "'";
$mysqli->query($sql2);
while ($row = $res->fetch_assoc()) {
    echo htmlspecialchars($row['id']) . ' ' . htmlspecialchars($row['total']) . "\n";
}
