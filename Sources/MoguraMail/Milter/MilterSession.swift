/// One MTA connection's milter session, without I/O: commands in, responses out, one record per message for the
/// accounting engine. The ``MilterPolicy`` decides at MAIL (per-account limits) and at end of message.
///
/// It negotiates "no reply" for every event it only listens to, so the MTA does not wait on it, and never answers
/// an event it negotiated no reply for (an extra reply desynchronises the stream without an error from Postfix).
public struct MilterSession: Sendable {
    /// What the session asks the MTA for.
    public static let wantedActions: Milter.Actions = [.addHeaders, .quarantine, .setMacroList]
    /// Events not wanted at all (connect, HELO, DATA and end of headers: the client's address and name come as
    /// macros with MAIL), the rest listened to without a reply, rejected recipients wanted. Every event Postfix
    /// need not send, or need not wait for, is a round trip saved on its SMTP path.
    public static let wantedFlags: Milter.ProtocolFlags = [
        .noConnect, .noHelo, .noData, .noEndOfHeaders, .noUnknown,
        .noReplyConnect, .noReplyHelo, .noReplyRecipient, .noReplyData, .noReplyHeader, .noReplyEndOfHeaders, .noReplyBody, .noReplyUnknown,
        .rejectedRecipients,
    ]
    /// The macros asked for, by stage.
    public static let wantedMacros: [Milter.MacroStage: [String]] = [
        .connect: ["{client_addr}", "{client_name}", "j", "_"],
        .mail: ["{auth_authen}", "{auth_type}", "{mail_addr}", "{client_addr}", "{client_name}", "i"],
        .recipient: ["{rcpt_addr}", "{rcpt_mailer}"],
        .endOfMessage: ["i"],
    ]

    let policy: any MilterPolicy
    private(set) var flags: Milter.ProtocolFlags = []
    private(set) var negotiated = false
    private var macros: [String: String] = [:]
    private var client = (name: "", address: "", helo: "")
    private var message: MilterMessageRecord?
    private var bodyHasher = BodyFingerprint()

    public init(policy: any MilterPolicy) { self.policy = policy }

    /// What to do with one command.
    public struct Step: Hashable, Sendable {
        /// Responses to write, in order.
        public var responses: [MilterResponse] = []
        /// The connection ends after the responses.
        public var close = false
    }

    /// Handles one command.
    /// - Throws: `MilterProtocolError` for a command out of place (before negotiation).
    public mutating func receive(_ command: MilterCommand) throws(MilterProtocolError) -> Step {
        if case .optionNegotiation(let version, let actions, let offered) = command {
            guard version >= 2 else { throw MilterProtocolError("the MTA speaks milter protocol version \(version); at least 2 is needed") }
            flags = Milter.ProtocolFlags(rawValue: offered).intersection(Self.wantedFlags)
            negotiated = true
            let granted = Milter.Actions(rawValue: actions).intersection(Self.wantedActions)
            let macroLists = granted.contains(.setMacroList) ? Self.wantedMacros : [:]
            return Step(
                responses: [.optionNegotiation(version: min(Milter.version, version), actions: granted, protocolFlags: flags, macros: macroLists)])
        }
        guard negotiated else { throw MilterProtocolError("a command before option negotiation") }
        switch command {
        case .optionNegotiation:
            return Step()
        case .macros(_, let pairs):
            for pair in pairs { macros[pair.name] = pair.value }
            return Step()
        case .connect(let hostname, _, _, let address):
            client = (hostname, address, "")
            return reply(.continue, unless: .noReplyConnect)
        case .helo(let name):
            client.helo = name
            return reply(.continue, unless: .noReplyHelo)
        case .mail(let sender, _):
            let address = Self.bare(sender)
            let authenticated = macros["{auth_authen}"].map { !$0.isEmpty } ?? false
            let account = authenticated ? macros["{auth_authen}"]! : address
            message = MilterMessageRecord(
                account: account, authenticated: authenticated,
                clientAddress: client.address.isEmpty ? macros["{client_addr}"] ?? "" : client.address,
                clientName: client.name.isEmpty ? macros["{client_name}"] ?? "" : client.name, helo: client.helo, sender: address)
            bodyHasher = BodyFingerprint()
            // MAIL is answered (not "no reply"): an account over its limit is refused before it sends the body.
            return Step(responses: Self.responses(for: policy.atMail(message!)))
        case .recipient(let recipient, _):
            if macros["{rcpt_mailer}"] == "error" {
                message?.rejectedRecipients += 1
            } else {
                message?.recipients.append(Self.bare(recipient))
            }
            return reply(.continue, unless: .noReplyRecipient)
        case .data:
            return reply(.continue, unless: .noReplyData)
        case .header(let name, let value):
            if name.lowercased() == "subject", message?.subject.isEmpty ?? false { message?.subject = value }
            if name.lowercased() == "message-id" { message?.messageID = value }
            return reply(.continue, unless: .noReplyHeader)
        case .endOfHeaders:
            return reply(.continue, unless: .noReplyEndOfHeaders)
        case .body(let chunk):
            message?.bodyBytes += chunk.count
            bodyHasher.add(chunk)
            return reply(.continue, unless: .noReplyBody)
        case .endOfMessage:
            guard var record = message else { return Step(responses: [.continue]) }
            record.queueID = macros["i"]
            record.bodyFingerprint = bodyHasher.value
            message = nil
            return Step(responses: Self.responses(for: policy.atEndOfMessage(record)))
        case .unknown:
            return reply(.continue, unless: .noReplyUnknown)
        case .abort:
            message = nil
            return Step()
        case .quit:
            return Step(close: true)
        case .quitNewConnection:
            message = nil
            macros = [:]
            client = ("", "", "")
            return Step()
        }
    }

    private func reply(_ response: MilterResponse, unless flag: Milter.ProtocolFlags) -> Step {
        flags.contains(flag) ? Step() : Step(responses: [response])
    }

    static func responses(for verdict: MilterVerdict) -> [MilterResponse] {
        switch verdict {
        case .continue: [.continue]
        case .accept: [.accept]
        case .discard: [.discard]
        case .tempfail(let text): [.replyCode("451 4.7.1 \(text)")]
        case .reject(let text): [.replyCode("550 5.7.1 \(text)")]
        case .quarantine(let reason): [.quarantine(reason: reason), .continue]
        }
    }

    /// An envelope address without its angle brackets (`sendmail(1)` injection sends none, SMTP does).
    static func bare(_ address: String) -> String {
        var text = Substring(address)
        if text.hasPrefix("<") { text = text.dropFirst() }
        if text.hasSuffix(">") { text = text.dropLast() }
        return String(text)
    }
}

/// What the milter saw of one message: the accounting engine's input.
public struct MilterMessageRecord: Hashable, Sendable {
    /// The SASL login (`{auth_authen}`), or for local submission the envelope sender.
    public var account: String
    /// Whether the account is a SASL login.
    public var authenticated: Bool
    public var clientAddress: String
    public var clientName: String
    public var helo: String
    public var sender: String
    public var recipients: [String] = []
    /// Recipients the MTA rejected (counted, not listed).
    public var rejectedRecipients = 0
    public var subject = ""
    public var messageID = ""
    public var bodyBytes = 0
    /// A hash of the normalised body (case, white space and digits folded), for near-identical messages.
    public var bodyFingerprint: UInt64 = 0
    /// The MTA's queue id (`i`), at end of message.
    public var queueID: String?

    public init(account: String, authenticated: Bool, clientAddress: String, clientName: String, helo: String, sender: String) {
        self.account = account
        self.authenticated = authenticated
        self.clientAddress = clientAddress
        self.clientName = clientName
        self.helo = helo
        self.sender = sender
    }
}

/// A decision about a message.
public enum MilterVerdict: Hashable, Sendable {
    case `continue`
    case accept
    case discard
    /// 451 4.7.1 and the text: the MTA keeps the message and retries later.
    case tempfail(String)
    /// 550 5.7.1 and the text.
    case reject(String)
    /// Held by the MTA (Postfix: the hold queue) for a person to release or delete.
    case quarantine(String)
}

/// Decides about accounts and messages; the accounting engine implements it.
public protocol MilterPolicy: Sendable {
    /// At MAIL FROM: the account is known; a limit already crossed can tempfail here.
    func atMail(_ message: MilterMessageRecord) -> MilterVerdict
    /// At end of message: the whole record; counts it and decides.
    func atEndOfMessage(_ message: MilterMessageRecord) -> MilterVerdict
}

/// FNV-1a over the body with letters lower-cased, runs of white space as one space and digits folded, over the
/// first 64 KiB: near-identical auto-replies (a contact form's) share it.
struct BodyFingerprint: Sendable {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    private var seen = 0
    private var lastWasSpace = true

    mutating func add(_ chunk: [UInt8]) {
        for byte in chunk where seen < 65_536 {
            seen += 1
            var folded = byte
            switch byte {
            case 0x09, 0x0A, 0x0D, 0x20:
                if lastWasSpace { continue }
                lastWasSpace = true
                folded = 0x20
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                lastWasSpace = false
                folded = UInt8(ascii: "#")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                lastWasSpace = false
                folded = byte | 0x20
            default:
                lastWasSpace = false
            }
            hash = (hash ^ UInt64(folded)) &* 0x100_0000_01b3
        }
    }

    var value: UInt64 { hash }
}
