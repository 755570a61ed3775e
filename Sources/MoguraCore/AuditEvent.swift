/// One entry in the audit chain: who did what to which object, when.
///
/// Each stored event carries the SHA-256 of the event before it, so editing or removing any event breaks every
/// hash after it; `mogura audit verify` finds the first break.
public struct AuditEvent: Hashable, Sendable, Codable {
    /// Position in the chain, from 1, without gaps.
    public var sequence: Int64
    /// When it happened.
    public var at: Timestamp
    /// Who did it: a staff login, `system`, `cli:<user>`, a detector name.
    public var actor: String
    /// What was done, as a dotted verb: `inventory.import`, `case.state`, `case.view`.
    public var action: String
    /// The kind of object: `inventory`, `case`, `report`, `legal-request`, ….
    public var objectType: String
    /// The object's id, or empty.
    public var objectID: String
    /// Details as a JSON object text.
    public var details: String
    /// The hash of the previous event (64 zeros for the first).
    public var previousHash: ContentHash
    /// This event's hash over all fields above.
    public var hash: ContentHash

    /// Creates an event.
    public init(
        sequence: Int64, at: Timestamp, actor: String, action: String, objectType: String, objectID: String,
        details: String, previousHash: ContentHash, hash: ContentHash
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The bytes the hash covers: every field, each length-prefixed so no two events serialise alike.
    public static func hashInput(
        sequence: Int64, at: Timestamp, actor: String, action: String, objectType: String, objectID: String,
        details: String, previousHash: ContentHash
    ) -> [UInt8] {
        var bytes: [UInt8] = Array("mogura-audit-v1".utf8)
        for field in [String(sequence), String(at.microseconds), actor, action, objectType, objectID, details, previousHash.hex] {
            let utf8 = Array(field.utf8)
            bytes.append(contentsOf: Array(String(utf8.count).utf8))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: utf8)
        }
        return bytes
    }

    /// The hash before the first event: 64 zeros.
    public static let genesisHash = ContentHash(hex: String(repeating: "0", count: 64))!
}

/// What to append to the audit chain; the store assigns sequence and hashes.
public struct AuditDraft: Hashable, Sendable {
    public var at: Timestamp
    public var actor: String
    public var action: String
    public var objectType: String
    public var objectID: String
    /// Details as a JSON object text.
    public var details: String

    /// Creates a draft.
    public init(at: Timestamp = .now(), actor: String, action: String, objectType: String, objectID: String = "", details: String = "{}") {
        self.at = at
        self.actor = actor
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.details = details
    }
}
