public import MoguraCore
public import MoguraStore

/// The customer portal's signed, expiring links: `{base}/portal/{case}/{expires}/{signature}`, the signature an
/// HMAC-SHA256 over the case number, the case's secret token and the expiry. Notices carry them (``ActionRunner``);
/// the web server checks them. The key lives in the store, so every process sharing a database agrees.
public struct PortalLinks: Sendable {
    /// The setting that holds the key.
    public static let keySetting = "web.signing-key"

    private let signer: MessageSigner
    /// The public base URL, without a trailing slash.
    public let base: String
    /// Seconds a link stays valid.
    public let lifetime: Int64

    public init(secret: String, base: String, lifetime: Int64) {
        signer = MessageSigner(secret: secret)
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.lifetime = lifetime
    }

    /// Reads (or creates) the key in the store.
    public static func load(store: any Store, settings: WebSettings) async throws -> PortalLinks {
        let secret = try await store.setting(keySetting, orCreate: { makeSecret() })
        return PortalLinks(secret: secret, base: settings.publicURL, lifetime: settings.portalLinkLifetime)
    }

    /// A new random key, base64url.
    public static func makeSecret() -> String { Base64URL.random(48) }

    /// The link for a case, valid for ``lifetime`` from `now`.
    public func link(caseID: Int64, token: String, now: Timestamp) -> String {
        link(caseID: caseID, token: token, expires: now.adding(seconds: lifetime))
    }

    /// The link for a case expiring at `expires`.
    public func link(caseID: Int64, token: String, expires: Timestamp) -> String {
        let seconds = expires.microseconds / 1_000_000
        return "\(base)/portal/\(caseID)/\(seconds)/\(signer.sign(message(caseID, token, seconds)))"
    }

    /// Whether a signature is the one for this case, token and expiry (compared in constant time).
    public func verify(caseID: Int64, token: String, expires: Int64, signature: String) -> Bool {
        signer.verify(message(caseID, token, expires), signature: signature)
    }

    private func message(_ caseID: Int64, _ token: String, _ expires: Int64) -> String { "portal|\(caseID)|\(token)|\(expires)" }
}
