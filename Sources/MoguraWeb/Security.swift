import Crypto
import Foundation
import HummingbirdBcrypt
import MoguraCore
import MoguraDesk
import NIOConcurrencyHelpers

enum Secrets {
    /// `count` random bytes, base64url.
    static func random(_ count: Int = 32) -> String { Base64URL.random(count) }

    /// SHA-256 hex: how sessions and API tokens are stored.
    static func hash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

/// Staff passwords: bcrypt (hummingbird-auth), computed off the cooperative pool because each hash takes a
/// noticeable fraction of a second on purpose.
public enum PasswordHasher {
    /// The bcrypt cost; 12 is the library's default and a sound one on current hardware.
    public static let cost: UInt8 = 12

    public static func hash(_ password: String, cost: UInt8 = cost) async -> String {
        await Task.detached { Bcrypt.hash(password, cost: cost) }.value
    }

    /// A hash to check against when the account does not exist, so that costs the same time as a wrong password.
    static let dummyHash = Bcrypt.hash("no such account \(UInt64.random(in: .min ... .max))", cost: cost)

    public static func verify(_ password: String, hash: String) async -> Bool {
        await Task.detached { Bcrypt.verify(password, hash: hash) }.value
    }

    /// Rejects passwords too weak to protect legal-track data.
    public static func problem(with password: String) -> String? {
        if password.count < 12 { return "a password needs at least 12 characters" }
        if Set(password).count < 5 { return "a password needs more different characters" }
        return nil
    }
}

/// Counts events per key in a sliding window: failed logins per account and per address, form posts per address.
final class RateLimiter: Sendable {
    private let limit: Int
    private let window: Int64
    private let events = NIOLockedValueBox<[String: [Int64]]>([:])

    init(limit: Int, windowSeconds: Int64) {
        self.limit = limit
        self.window = windowSeconds * 1_000_000
    }

    /// Counts an event; returns false when `key` was already at the limit (the event is not counted then).
    func take(_ key: String, now: Timestamp) -> Bool {
        let key = String(key.prefix(200))
        return events.withLockedValue { table in
            let since = now.microseconds - window
            var recent = (table[key] ?? []).filter { $0 > since }
            guard recent.count < limit else {
                table[key] = recent
                return false
            }
            recent.append(now.microseconds)
            table[key] = recent
            // Keys whose events all left the window are dropped, so the table stays as large as the recent traffic.
            if table.count > 10_000 { table = table.filter { $0.value.contains { $0 > since } } }
            return true
        }
    }

    /// Gives back the most recent event of a key (an attempt that turned out fine).
    func release(_ key: String) {
        let key = String(key.prefix(200))
        events.withLockedValue { table in
            guard var recent = table[key], !recent.isEmpty else { return }
            recent.removeLast()
            table[key] = recent.isEmpty ? nil : recent
        }
    }

    /// Forgets a key (a successful login clears its account's failures).
    func reset(_ key: String) {
        let key = String(key.prefix(200))
        events.withLockedValue { _ = $0.removeValue(forKey: key) }
    }
}

/// The public form's optional proof of work: find a nonce so that SHA-256(challenge + ":" + nonce) starts with
/// `bits` zero bits. A browser's script does it in the background; a spam bot pays for every post.
enum ProofOfWork {
    static func isValid(challenge: String, nonce: String, bits: Int) -> Bool {
        guard bits > 0 else { return true }
        let digest = Array(SHA256.hash(data: Data("\(challenge):\(nonce)".utf8)))
        var remaining = bits
        for byte in digest {
            if remaining >= 8 {
                guard byte == 0 else { return false }
                remaining -= 8
            } else {
                return remaining == 0 || byte >> (8 - remaining) == 0
            }
            if remaining == 0 { return true }
        }
        return true
    }

}

/// API tokens: `mogura_` and 32 random bytes; only the SHA-256 is stored.
public enum APITokens {
    public static func make() -> String { "mogura_" + Secrets.random(32) }
    public static func hash(_ token: String) -> String { Secrets.hash(token) }
}
