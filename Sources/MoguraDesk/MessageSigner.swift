import Crypto
import Foundation

/// Signs and checks short messages with a server key (HMAC-SHA256, base64url): portal links here, CSRF tokens and
/// the report form's proof-of-work challenges in the web server. Callers separate purposes by a message prefix
/// (`portal|…`, `csrf|…`).
public struct MessageSigner: Sendable {
    private let key: SymmetricKey

    public init(secret: String) { key = SymmetricKey(data: Data(secret.utf8)) }

    public func sign(_ message: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)))
    }

    /// Whether `signature` is this key's for `message`, compared in constant time.
    public func verify(_ message: String, signature: String) -> Bool {
        guard let bytes = Base64URL.decode(signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data(message.utf8), using: key)
    }
}

/// Base64 with the URL- and cookie-safe alphabet and no padding.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        return Data(base64Encoded: base).map(Array.init)
    }

    /// `count` random bytes, encoded.
    public static func random(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return encode((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
