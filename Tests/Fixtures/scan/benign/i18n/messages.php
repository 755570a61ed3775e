<?php
// Translation strings.
return [
    'login.title' => 'Sign in to your account',
    'login.password' => 'Password',
    'login.forgot' => 'Forgot your password?',
    'security.hacked' => 'If you believe your account was hacked by someone, contact support.',
    'admin.shell' => 'Mini shell access is disabled on this plan.',
    'admin.eval' => 'Code evaluation (eval) is not allowed in templates.',
    'mail.bulk' => 'Bulk mail is limited to 200 recipients per hour.',
];
