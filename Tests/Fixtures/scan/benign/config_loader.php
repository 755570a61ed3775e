<?php
/**
 * Reads the site configuration. Secrets are stored base64-encoded in the environment so that
 * they survive shells that mangle special characters.
 */
final class ConfigLoader
{
    private array $values = [];

    public function __construct(private string $path)
    {
        $raw = file_get_contents($this->path);
        $this->values = json_decode($raw, true, 16, JSON_THROW_ON_ERROR);
        if (isset($this->values['smtp_password_b64'])) {
            $this->values['smtp_password'] = base64_decode($this->values['smtp_password_b64'], true);
        }
    }

    public function get(string $key, mixed $default = null): mixed
    {
        return $this->values[$key] ?? $default;
    }

    public static function placeholderImage(): string
    {
        // A 16x16 PNG, served when an upload is missing.
        return base64_decode('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAABkklEQVR42g3LIQJEIQhAwT2O0Wg0EolEo9FoJBKJRI/zjrV/+vxojd4YjdmQhjassRq7cRq34Y1oZKMar/1ond4ZndmRjnasszq7czq3453oZKc6r39h0AdjMAcy0IEN1mAPzuAOfBCDHNTgjS9M+mRM5kQmOrHJmuzJmdyJT2KSk5q8+QWhC0OYgggqmLCELRzhCi6EkEIJT76gdGUoUxFFFVOWspWjXMWVUFIp5ekXjG4MYxpiqGHGMrZxjGu4EUYaZTz7wqIvxmIuZKELW6zFXpzFXfgiFrmoxVtf2PTN2MyNbHRjm7XZm7O5G9/EJje1efsLh34Yh3mQgx7ssA77cA734Ic45KEO73zh0i/jMi9y0Ytd1mVfzuVe/BKXvNTl3S843RnOdMRRx5zlbOc413EnnHTKef6FoAcjmIEEGliwgh2c4AYeRJBBBS++kPRkJDORRBNLVrKTk9zEk0gyqeTlF4pejGIWUmhhxSp2cYpbeBFFFlW8+sKjP8ZjPuShD3usx36cx334Ix75qMd7f4DukBBcowJyAAAAAElFTkSuQmCC');
    }
}
