<?php
// Plain contact form of a small business site.
$sent = false;
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $name = trim(strip_tags($_POST['name'] ?? ''));
    $email = filter_var($_POST['email'] ?? '', FILTER_VALIDATE_EMAIL);
    $text = trim($_POST['message'] ?? '');
    if ($email && $text !== '') {
        $headers = "From: " . $_POST['email'] . "\r\n";
        $sent = mail('info@example.com', 'Website enquiry from ' . $name, $text, $headers);
    }
}
?>
<form method="post">
  <input name="name" value="<?= htmlspecialchars($_POST['name'] ?? '') ?>">
  <input name="email" type="email">
  <textarea name="message"></textarea>
  <button>Send</button>
</form>
<?php if ($sent): ?><p>Thank you!</p><?php endif; ?>
