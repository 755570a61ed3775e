<?php
// Small admin dispatcher: the action name comes from the request but only whitelisted handlers run.
require __DIR__ . '/bootstrap.php';

$allowed = ['list_orders', 'show_order', 'export_csv'];
$action = isset($_GET['action']) ? (string) $_GET['action'] : 'list_orders';
if (!in_array($action, $allowed, true)) {
    http_response_code(400);
    exit('Unknown action');
}
$handler = 'admin_' . $action;
$result = call_user_func($handler, array_map('intval', $_POST['ids'] ?? []));
$sorted = array_filter($result, 'is_array');
usort($sorted, function ($a, $b) { return $a['id'] <=> $b['id']; });
echo json_encode(call_user_func_array('array_merge', [$sorted, ['ok' => true]]));
