import Foundation

/// The milter wire protocol (version 6, as Postfix and sendmail speak it): packets, commands, responses.
///
/// A packet is a 32-bit big-endian length (counting the code byte), a code byte and data. Strings are
/// NUL-terminated; "arrays" are consecutive NUL-terminated strings to the end of the packet. See
/// `docs/milter.md` for the protocol notes this follows.
public enum Milter {
    /// The protocol version Mogura speaks.
    public static let version: UInt32 = 6
    /// The largest packet accepted (libmilter's default is 64 KiB; Postfix may send more with large headers).
    public static let maximumPacket = 1024 * 1024

    /// Actions (`SMFIF_*`) a milter may ask for.
    public struct Actions: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let addHeaders = Actions(rawValue: 0x001)
        public static let changeBody = Actions(rawValue: 0x002)
        public static let addRecipient = Actions(rawValue: 0x004)
        public static let deleteRecipient = Actions(rawValue: 0x008)
        public static let changeHeaders = Actions(rawValue: 0x010)
        public static let quarantine = Actions(rawValue: 0x020)
        public static let changeFrom = Actions(rawValue: 0x040)
        public static let addRecipientWithParameters = Actions(rawValue: 0x080)
        public static let setMacroList = Actions(rawValue: 0x100)
    }

    /// Protocol flags (`SMFIP_*`): in the milter's reply, a set bit means "do not send" or "will not reply".
    public struct ProtocolFlags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let noConnect = ProtocolFlags(rawValue: 0x000001)
        public static let noHelo = ProtocolFlags(rawValue: 0x000002)
        public static let noMail = ProtocolFlags(rawValue: 0x000004)
        public static let noRecipient = ProtocolFlags(rawValue: 0x000008)
        public static let noBody = ProtocolFlags(rawValue: 0x000010)
        public static let noHeaders = ProtocolFlags(rawValue: 0x000020)
        public static let noEndOfHeaders = ProtocolFlags(rawValue: 0x000040)
        public static let noReplyHeader = ProtocolFlags(rawValue: 0x000080)
        public static let noUnknown = ProtocolFlags(rawValue: 0x000100)
        public static let noData = ProtocolFlags(rawValue: 0x000200)
        public static let skip = ProtocolFlags(rawValue: 0x000400)
        public static let rejectedRecipients = ProtocolFlags(rawValue: 0x000800)
        public static let noReplyConnect = ProtocolFlags(rawValue: 0x001000)
        public static let noReplyHelo = ProtocolFlags(rawValue: 0x002000)
        public static let noReplyMail = ProtocolFlags(rawValue: 0x004000)
        public static let noReplyRecipient = ProtocolFlags(rawValue: 0x008000)
        public static let noReplyData = ProtocolFlags(rawValue: 0x010000)
        public static let noReplyUnknown = ProtocolFlags(rawValue: 0x020000)
        public static let noReplyEndOfHeaders = ProtocolFlags(rawValue: 0x040000)
        public static let noReplyBody = ProtocolFlags(rawValue: 0x080000)
        public static let headerLeadingSpace = ProtocolFlags(rawValue: 0x100000)
    }

    /// Macro stages (`SMFIM_*`) for the macro lists a milter asks for.
    public enum MacroStage: UInt32, Hashable, Sendable {
        case connect = 0, helo, mail, recipient, data, endOfMessage, endOfHeaders
    }
}

/// A command from the MTA.
public enum MilterCommand: Hashable, Sendable {
    case optionNegotiation(version: UInt32, actions: UInt32, protocolFlags: UInt32)
    /// Macros for the command `stage` (its code letter), name/value pairs.
    case macros(stage: UInt8, [MilterMacro])
    case connect(hostname: String, family: UInt8, port: UInt16, address: String)
    case helo(String)
    case mail(sender: String, parameters: [String])
    case recipient(String, parameters: [String])
    case data
    case header(name: String, value: String)
    case endOfHeaders
    case body([UInt8])
    case endOfMessage
    case unknown(String)
    case abort
    case quit
    case quitNewConnection

    /// Reads a command from a packet's code and data.
    /// - Throws: `MilterProtocolError` for an unknown code or malformed data.
    public static func parse(code: UInt8, data: ArraySlice<UInt8>) throws(MilterProtocolError) -> MilterCommand {
        var reader = MilterDataReader(data)
        switch code {
        case UInt8(ascii: "O"):
            guard data.count >= 12 else { throw MilterProtocolError("option negotiation needs 12 bytes, got \(data.count)") }
            return .optionNegotiation(version: try reader.uint32(), actions: try reader.uint32(), protocolFlags: try reader.uint32())
        case UInt8(ascii: "D"):
            guard let stage = reader.byte() else { throw MilterProtocolError("a macro packet without its command") }
            var macros: [MilterMacro] = []
            while !reader.isAtEnd {
                let name = try reader.string()
                let value = reader.isAtEnd ? "" : try reader.string()
                macros.append(MilterMacro(name: name, value: value))
            }
            return .macros(stage: stage, macros)
        case UInt8(ascii: "C"):
            let hostname = try reader.string()
            guard let family = reader.byte() else { throw MilterProtocolError("connect without an address family") }
            if family == UInt8(ascii: "U") || reader.isAtEnd { return .connect(hostname: hostname, family: family, port: 0, address: "") }
            let port = try reader.uint16()
            return .connect(hostname: hostname, family: family, port: port, address: try reader.string())
        case UInt8(ascii: "H"): return .helo(try reader.string())
        case UInt8(ascii: "M"):
            let arguments = try reader.strings()
            guard let sender = arguments.first else { throw MilterProtocolError("MAIL without a sender") }
            return .mail(sender: sender, parameters: Array(arguments.dropFirst()))
        case UInt8(ascii: "R"):
            let arguments = try reader.strings()
            guard let recipient = arguments.first else { throw MilterProtocolError("RCPT without a recipient") }
            return .recipient(recipient, parameters: Array(arguments.dropFirst()))
        case UInt8(ascii: "T"): return .data
        case UInt8(ascii: "L"):
            let name = try reader.string()
            return .header(name: name, value: reader.isAtEnd ? "" : try reader.string())
        case UInt8(ascii: "N"): return .endOfHeaders
        case UInt8(ascii: "B"): return .body(Array(data))
        case UInt8(ascii: "E"): return .endOfMessage
        case UInt8(ascii: "U"): return .unknown(reader.isAtEnd ? "" : try reader.string())
        case UInt8(ascii: "A"): return .abort
        case UInt8(ascii: "Q"): return .quit
        case UInt8(ascii: "K"): return .quitNewConnection
        default:
            throw MilterProtocolError("unknown command code 0x\(String(code, radix: 16))")
        }
    }
}

/// A macro name and value (`{auth_authen}`, `i`, …).
public struct MilterMacro: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A response to the MTA.
public enum MilterResponse: Hashable, Sendable {
    /// The negotiation reply: version, the actions Mogura uses, the protocol flags, and the macros it asks for.
    case optionNegotiation(version: UInt32, actions: Milter.Actions, protocolFlags: Milter.ProtocolFlags, macros: [Milter.MacroStage: [String]])
    case `continue`
    case accept
    case reject
    case tempfail
    /// A custom SMTP reply (`451 4.7.1 text`), replacing reject or tempfail.
    case replyCode(String)
    case discard
    /// Hold the message (Postfix: the hold queue); not final, a verdict follows.
    case quarantine(reason: String)
    case addHeader(name: String, value: String)
    case progress
    case skip

    /// The packet for this response.
    public var packet: [UInt8] {
        var data: [UInt8] = []
        let code: UInt8
        func put(_ value: UInt32) { data += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        func put(_ text: String) {
            data += text.utf8.filter { $0 != 0 }
            data.append(0)
        }
        switch self {
        case .optionNegotiation(let version, let actions, let flags, let macros):
            code = UInt8(ascii: "O")
            put(version)
            put(actions.rawValue)
            put(flags.rawValue)
            for (stage, names) in macros.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where !names.isEmpty {
                put(stage.rawValue)
                put(names.joined(separator: " "))
            }
        case .continue: code = UInt8(ascii: "c")
        case .accept: code = UInt8(ascii: "a")
        case .reject: code = UInt8(ascii: "r")
        case .tempfail: code = UInt8(ascii: "t")
        case .replyCode(let text):
            code = UInt8(ascii: "y")
            // `%` is a format character to the MTA; CR and LF would split the reply.
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: text.replacingOccurrences(of: "%", with: "%%").unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
            put(String(scalars))
        case .discard: code = UInt8(ascii: "d")
        case .quarantine(let reason):
            code = UInt8(ascii: "q")
            put(reason)
        case .addHeader(let name, let value):
            code = UInt8(ascii: "h")
            put(name)
            put(value)
        case .progress: code = UInt8(ascii: "p")
        case .skip: code = UInt8(ascii: "s")
        }
        let length = UInt32(data.count + 1)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), code] + data
    }
}

/// A packet the MTA sent that Mogura cannot read: the connection is closed and the MTA's
/// `milter_default_action` decides the mail.
public struct MilterProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Splits a byte stream into packets, with a size cap so a hostile length never allocates.
public struct MilterPacketReader: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    let limit: Int

    public init(limit: Int = Milter.maximumPacket) { self.limit = limit }

    /// Adds bytes from the connection.
    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next whole packet, nil until one has arrived.
    /// - Throws: `MilterProtocolError` for a length of zero or above the limit.
    public mutating func next() throws(MilterProtocolError) -> (code: UInt8, data: ArraySlice<UInt8>)? {
        guard buffer.count - start >= 4 else {
            compact()
            return nil
        }
        let length = Int(buffer[start]) << 24 | Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        guard length >= 1 else { throw MilterProtocolError("a packet of length 0") }
        guard length <= limit else { throw MilterProtocolError("a packet of \(length) bytes, more than the \(limit) allowed") }
        guard buffer.count - start >= 4 + length else {
            compact()
            return nil
        }
        let code = buffer[start + 4]
        let data = buffer[(start + 5)..<(start + 4 + length)]
        start += 4 + length
        return (code, data)
    }

    private mutating func compact() {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
    }
}

/// Reads the fields of a packet's data.
struct MilterDataReader {
    private let data: ArraySlice<UInt8>
    private var index: Int

    init(_ data: ArraySlice<UInt8>) {
        self.data = data
        self.index = data.startIndex
    }

    var isAtEnd: Bool { index >= data.endIndex }

    mutating func byte() -> UInt8? {
        guard index < data.endIndex else { return nil }
        defer { index += 1 }
        return data[index]
    }

    mutating func uint32() throws(MilterProtocolError) -> UInt32 {
        guard data.endIndex - index >= 4 else { throw MilterProtocolError("a 32-bit field runs past the packet") }
        defer { index += 4 }
        return UInt32(data[index]) << 24 | UInt32(data[index + 1]) << 16 | UInt32(data[index + 2]) << 8 | UInt32(data[index + 3])
    }

    mutating func uint16() throws(MilterProtocolError) -> UInt16 {
        guard data.endIndex - index >= 2 else { throw MilterProtocolError("a 16-bit field runs past the packet") }
        defer { index += 2 }
        return UInt16(data[index]) << 8 | UInt16(data[index + 1])
    }

    /// A NUL-terminated string (bytes as UTF-8, invalid sequences replaced).
    mutating func string() throws(MilterProtocolError) -> String {
        guard let end = data[index...].firstIndex(of: 0) else { throw MilterProtocolError("a string without its terminating NUL") }
        defer { index = end + 1 }
        return String(decoding: data[index..<end], as: UTF8.self)
    }

    /// NUL-terminated strings to the end of the packet.
    mutating func strings() throws(MilterProtocolError) -> [String] {
        var result: [String] = []
        while !isAtEnd { result.append(try string()) }
        return result
    }
}
