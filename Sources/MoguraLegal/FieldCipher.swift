import Crypto
public import Foundation

/// Encrypts a request's subscriber data one field at a time (AES-256-GCM, swift-crypto), so a database dump, a
/// backup or a stray SQL query shows none of the stored name, address, phone or e-mail; each value is bound to its
/// field name, so a ciphertext moved into another field does not decrypt. (Rendered documents and inventory names
/// are not covered: docs/legal.md says what is.)
///
/// Keys come from a keyring: `id=base64key` lines (32 bytes each) in a file (`MOGURA_LEGAL_KEYS_FILE`) or the
/// environment (`MOGURA_LEGAL_KEYS`, lines separated by `;`). The **first** key encrypts; every key decrypts, so a
/// rotation is: put a new key first, keep the old ones, re-encrypt (``reencrypt(_:field:)``), then drop the old key.
/// Stored form: `v1:<key id>:<base64 of nonce, ciphertext, tag>`.
public struct FieldCipher: Sendable {
    public struct Key: Sendable {
        public var id: String
        var key: SymmetricKey
    }

    public let keys: [Key]

    /// A keyring from `id=base64` lines (`#` comments allowed).
    /// - Throws: `LegalError` for a malformed line, a key that is not 32 bytes, a repeated id, or no key.
    public init(keyring text: String, source: String = "keyring") throws(LegalError) {
        var keys: [Key] = []
        for (number, raw) in text.split(whereSeparator: { $0 == "\n" || $0 == ";" }).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let data = Data(base64Encoded: String(parts[1])), data.count == 32,
                parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            else { throw LegalError("\(source): entry \(number + 1) is not id=<32 bytes in base64>") }
            guard !keys.contains(where: { $0.id == String(parts[0]) }) else { throw LegalError("\(source): key id \(parts[0]) appears twice") }
            keys.append(Key(id: String(parts[0]), key: SymmetricKey(data: data)))
        }
        guard !keys.isEmpty else { throw LegalError("\(source): no key") }
        self.keys = keys
    }

    /// The keyring from `MOGURA_LEGAL_KEYS_FILE` or `MOGURA_LEGAL_KEYS`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(LegalError) -> FieldCipher {
        if let path = environment["MOGURA_LEGAL_KEYS_FILE"] {
            guard let data = FileManager.default.contents(atPath: path) else { throw LegalError("\(path): cannot be read") }
            return try FieldCipher(keyring: String(decoding: data, as: UTF8.self), source: path)
        }
        if let text = environment["MOGURA_LEGAL_KEYS"] { return try FieldCipher(keyring: text, source: "MOGURA_LEGAL_KEYS") }
        throw LegalError("no key for subscriber data: set MOGURA_LEGAL_KEYS_FILE (a file of id=base64 lines) or MOGURA_LEGAL_KEYS")
    }

    /// A new random key line (`id=base64`), for `mogura legal keygen`.
    public static func newKeyLine(id: String) -> String {
        "\(id)=\(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() })"
    }

    /// Encrypts `value` for `field` with the first key.
    public func seal(_ value: String, field: String) throws -> String {
        let key = keys[0]
        let box = try AES.GCM.seal(Data(value.utf8), using: key.key, authenticating: Data("mogura:\(field)".utf8))
        guard let combined = box.combined else { throw LegalError("the value could not be sealed") }
        return "v1:\(key.id):\(combined.base64EncodedString())"
    }

    /// Decrypts a stored value of `field`.
    /// - Throws: `LegalError` for an unknown key id, a damaged value, or a value of another field.
    public func open(_ stored: String, field: String) throws(LegalError) -> String {
        let parts = stored.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, parts[0] == "v1" else { throw LegalError("not an encrypted field value") }
        guard let key = keys.first(where: { $0.id == String(parts[1]) }) else {
            throw LegalError("the value was encrypted with key \(parts[1]), which is not in the keyring")
        }
        guard let combined = Data(base64Encoded: String(parts[2])) else { throw LegalError("the encrypted value is damaged") }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plain = try AES.GCM.open(box, using: key.key, authenticating: Data("mogura:\(field)".utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw LegalError("the encrypted value of \(field) does not open (damaged, or from another field)")
        }
    }

    /// Re-encrypts a stored value with the first key (a rotation step); a value already under it is returned as is.
    public func reencrypt(_ stored: String, field: String) throws -> String {
        if stored.hasPrefix("v1:\(keys[0].id):") { return stored }
        return try seal(try open(stored, field: field), field: field)
    }
}

/// How subscriber data is shown until someone reveals it (with a reason, audited).
public enum PersonalDataMask {
    /// `山田 太郎` → `山＊ ＊＊`; `taro@example.jp` → `t＊＊＊@example.jp`; `090-1234-5678` → `＊＊＊-＊＊＊＊-5678`;
    /// an address keeps its first 3 characters (the prefecture).
    public static func mask(_ value: String, field: String) -> String {
        switch field {
        case "email":
            guard let at = value.firstIndex(of: "@") else { return String(repeating: "＊", count: value.count) }
            return String(value.prefix(1)) + "＊＊＊" + String(value[at...])
        case "phone":
            let digits = value.filter(\.isNumber)
            return value.map { $0.isNumber ? "＊" : $0 }.dropLast(min(4, digits.count)).map(String.init).joined() + String(digits.suffix(4))
        case "address":
            return String(value.prefix(3)) + String(repeating: "＊", count: max(0, min(value.count - 3, 8)))
        default:
            return value.split(separator: " ", omittingEmptySubsequences: false).map { word in
                word.isEmpty ? "" : String(word.prefix(word.count > 1 ? 1 : 0)) + String(repeating: "＊", count: max(1, word.count - 1))
            }.joined(separator: " ")
        }
    }
}
