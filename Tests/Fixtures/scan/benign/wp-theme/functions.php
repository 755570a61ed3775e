<?php
// Theme setup.
add_action('wp_enqueue_scripts', function () {
    wp_enqueue_style('theme', get_stylesheet_uri(), [], '1.4.0');
    wp_enqueue_script('theme', get_template_directory_uri() . '/js/app.min.js', ['jquery'], '1.4.0', true);
});

add_action('admin_menu', function () {
    $icon = 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIyMCIgaGVpZ2h0PSIyMCIgdmlld0JveD0iMCAwIDIwIDIwIj48cGF0aCBmaWxsPSIjYTdhYWFkIiBkPSJNMTAgMmE4IDggMCAxIDAgMCAxNiA4IDggMCAwIDAgMC0xNnptMCAzYTEuNSAxLjUgMCAxIDEgMCAzIDEuNSAxLjUgMCAwIDEgMC0zem0yIDEwSDh2LTFoMXYtNEg4VjloM3Y1aDF2MXoiLz48L3N2Zz4=';
    add_menu_page('Theme options', 'Theme', 'manage_options', 'theme-options', 'theme_options_page', $icon);
});

function theme_options_page() {
    if (!current_user_can('manage_options')) {
        return;
    }
    if (isset($_POST['theme_footer'])) {
        check_admin_referer('theme_options');
        update_option('theme_footer', wp_kses_post(wp_unslash($_POST['theme_footer'])));
    }
    $svg = base64_decode(substr(get_option('theme_icon', ''), 26));
    echo '<div class="wrap"><h1>' . esc_html__('Theme options', 'theme') . '</h1>';
    echo '<form method="post">';
    wp_nonce_field('theme_options');
    echo '<textarea name="theme_footer">' . esc_textarea(get_option('theme_footer', '')) . '</textarea>';
    submit_button();
    echo '</form></div>';
}

add_filter('the_content', function ($content) {
    return preg_replace('/<p>\s*<\/p>/', '', $content);
});
