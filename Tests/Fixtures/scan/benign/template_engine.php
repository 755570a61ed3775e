<?php
/**
 * A tiny template engine: {{ var }} and {% if %} are compiled to PHP and evaluated,
 * the way Twig and Smarty caches run their own generated code.
 */
final class MiniTemplate
{
    public function __construct(private string $source) {}

    public function compile(): string
    {
        $php = preg_replace('/\{\{\s*(\w+)\s*\}\}/', '<?php echo htmlspecialchars($vars[\'$1\'] ?? \'\'); ?>', $this->source);
        $php = preg_replace('/\{%\s*if\s+(\w+)\s*%\}/', '<?php if (!empty($vars[\'$1\'])): ?>', $php);
        $php = preg_replace('/\{%\s*endif\s*%\}/', '<?php endif; ?>', $php);
        return $php;
    }

    public function render(array $vars): string
    {
        $compiled = $this->compile();
        ob_start();
        eval('?>' . $compiled);
        return ob_get_clean();
    }

    public function evaluateExpression(string $code, array $vars)
    {
        // $code is produced by compile(), never taken from the request.
        return eval($code);
    }
}
