<?php
function render_inline_markdown(string $text): string
{
    $text = htmlspecialchars($text, ENT_QUOTES, 'UTF-8');
    $text = preg_replace('/\*\*(.+?)\*\*/s', '<strong>$1</strong>', $text);
    $text = preg_replace('/(?<![*])\*(?!\*)(.+?)\*/s', '<em>$1</em>', $text);
    $text = preg_replace('~`([^`]+)`~', '<code>$1</code>', $text);
    $text = preg_replace('/\be\.g\./i', 'for example', $text);
    $text = preg_replace_callback('/\[([^\]]+)\]\(([^)]+)\)/', function (array $m): string {
        $url = filter_var($m[2], FILTER_SANITIZE_URL);
        return '<a href="' . $url . '" rel="nofollow">' . $m[1] . '</a>';
    }, $text);
    return preg_replace_callback('/:([a-z_]+):/', 'emoji_for', $text);
}

function emoji_for(array $m): string
{
    $map = ['smile' => '&#x1F642;', 'heart' => '&#x2764;'];
    return $map[$m[1]] ?? $m[0];
}
