<?php
/**
 * Plugin Name: Simple Contact Form
 * Description: A contact form shortcode that mails the site administrator.
 */
if (!defined('ABSPATH')) {
    exit;
}

add_action('init', 'scf_handle_post');
add_shortcode('simple_contact', 'scf_render');

function scf_handle_post() {
    if (empty($_POST['scf_nonce']) || !wp_verify_nonce($_POST['scf_nonce'], 'scf_send')) {
        return;
    }
    $name    = sanitize_text_field(wp_unslash($_POST['scf_name'] ?? ''));
    $email   = sanitize_email(wp_unslash($_POST['scf_email'] ?? ''));
    $message = sanitize_textarea_field(wp_unslash($_POST['scf_message'] ?? ''));
    if (!is_email($email)) {
        return;
    }
    $body  = "Name: " . $name . "\n";
    $body .= "Email: " . $email . "\n";
    $body .= "IP: " . sanitize_text_field($_SERVER['REMOTE_ADDR']) . "\n\n" . $message;
    wp_mail(get_option('admin_email'), 'Contact form: ' . $name, $body, ['Reply-To: ' . $email]);
    wp_safe_redirect(add_query_arg('sent', '1', wp_get_referer()));
    exit;
}

function scf_render() {
    ob_start();
    ?>
    <form method="post">
        <?php wp_nonce_field('scf_send', 'scf_nonce'); ?>
        <input name="scf_name" value="<?php echo esc_attr($_GET['name'] ?? ''); ?>">
        <input name="scf_email" type="email">
        <textarea name="scf_message"></textarea>
        <button type="submit">Send</button>
    </form>
    <?php
    return ob_get_clean();
}
