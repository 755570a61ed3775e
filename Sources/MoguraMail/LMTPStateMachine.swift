/// The LMTP dialogue (RFC 2033, with RFC 5321 commands), without I/O: commands in, actions out. The server
/// carries the actions out; tests drive the machine byte by byte.
///
/// Supported: LHLO (EHLO and HELO answered as LMTP servers should: refused), MAIL FROM (with SIZE), RCPT TO,
/// DATA, RSET, NOOP, VRFY (252), QUIT. Extensions offered: PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME, SIZE.
public struct LMTPStateMachine: Sendable {
    /// What the server must do.
    public enum Action: Hashable, Sendable {
        /// Send this reply (one or more lines, already formatted with codes).
        case reply(String)
        /// Send the reply, then read the message until the lone dot.
        case startData(String)
        /// Send the reply and close the connection.
        case close(String)
    }

    enum State: Hashable {
        case greeted
        case ready
        case transaction(from: String, recipients: [String])
    }

    private var state = State.greeted
    /// The largest message accepted, advertised as SIZE.
    public let maximumMessageBytes: Int
    /// The most recipients in one transaction.
    public let maximumRecipients: Int
    let hostname: String

    /// Creates a machine for one connection.
    public init(hostname: String, maximumMessageBytes: Int = 64 * 1024 * 1024, maximumRecipients: Int = 1_000) {
        self.hostname = hostname
        self.maximumMessageBytes = maximumMessageBytes
        self.maximumRecipients = maximumRecipients
    }

    /// The greeting sent when a client connects.
    public var greeting: String { "220 \(hostname) LMTP Mogura ready" }

    /// The envelope of the transaction in progress: sender and accepted recipients.
    public var envelope: (from: String, recipients: [String])? {
        if case .transaction(let from, let recipients) = state { return (from, recipients) }
        return nil
    }

    /// Handles one command line (without its line end).
    public mutating func command(_ line: String) -> Action {
        let trimmed = line.trimmingCharacters(in: " \t\r")
        let verb = trimmed.prefix { $0 != " " }.uppercased()
        let argument = trimmed.dropFirst(verb.count).trimmingCharacters(in: " ")
        switch verb {
        case "LHLO":
            guard !argument.isEmpty else { return .reply("501 5.5.4 LHLO needs a host name") }
            state = .ready
            return .reply(
                ["250-\(hostname)", "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250 SIZE \(maximumMessageBytes)"].joined(
                    separator: "\r\n"))
        case "HELO", "EHLO":
            return .reply("500 5.5.1 this is an LMTP server; say LHLO")
        case "MAIL":
            guard state != .greeted else { return .reply("503 5.5.1 say LHLO first") }
            guard case .ready = state else { return .reply("503 5.5.1 nested MAIL command") }
            guard argument.uppercased().hasPrefix("FROM:") else { return .reply("501 5.5.4 syntax: MAIL FROM:<address>") }
            let (path, parameters) = Self.path(argument.dropFirst(5))
            guard let path else { return .reply("501 5.1.7 bad sender address syntax") }
            if let size = parameters["SIZE"].flatMap(Int.init), size > maximumMessageBytes {
                return .reply("552 5.3.4 message size \(size) exceeds the limit of \(maximumMessageBytes) bytes")
            }
            state = .transaction(from: path, recipients: [])
            return .reply("250 2.1.0 sender ok")
        case "RCPT":
            guard case .transaction(let from, var recipients) = state else { return .reply("503 5.5.1 need MAIL before RCPT") }
            guard argument.uppercased().hasPrefix("TO:") else { return .reply("501 5.5.4 syntax: RCPT TO:<address>") }
            guard let path = Self.path(argument.dropFirst(3)).0, !path.isEmpty else { return .reply("501 5.1.3 bad recipient address syntax") }
            guard recipients.count < maximumRecipients else { return .reply("452 4.5.3 too many recipients") }
            recipients.append(path)
            state = .transaction(from: from, recipients: recipients)
            return .reply("250 2.1.5 recipient ok")
        case "DATA":
            guard case .transaction(_, let recipients) = state else { return .reply("503 5.5.1 need MAIL before DATA") }
            guard !recipients.isEmpty else { return .reply("503 5.5.1 need RCPT before DATA") }
            return .startData("354 start mail input; end with <CRLF>.<CRLF>")
        case "RSET":
            if state != .greeted { state = .ready }
            return .reply("250 2.0.0 reset")
        case "NOOP":
            return .reply("250 2.0.0 ok")
        case "VRFY":
            return .reply("252 2.5.0 cannot verify, but will accept")
        case "QUIT":
            return .close("221 2.0.0 \(hostname) closing")
        case "":
            return .reply("500 5.5.2 empty command")
        default:
            return .reply("500 5.5.2 unknown command \(verb.prefix(16))")
        }
    }

    /// The replies after a message was received: one per recipient (RFC 2033 §4.2), then the machine is ready for
    /// the next transaction.
    /// - Parameter outcome: what storing the message did.
    public mutating func messageReceived(_ outcome: DeliveryOutcome) -> [String] {
        guard case .transaction(_, let recipients) = state else { return [] }
        state = .ready
        return recipients.map { recipient in
            switch outcome {
            case .stored(let summary): "250 2.0.0 <\(recipient)> \(summary)"
            case .tooLarge: "552 5.3.4 <\(recipient)> message exceeds \(maximumMessageBytes) bytes"
            case .temporaryFailure(let reason): "451 4.3.0 <\(recipient)> not stored, try again later: \(reason)"
            }
        }
    }

    /// What happened to a received message.
    public enum DeliveryOutcome: Hashable, Sendable {
        case stored(String)
        case tooLarge
        case temporaryFailure(String)
    }

    /// The address inside `<…>` and the ESMTP parameters after it.
    static func path(_ text: Substring) -> (String?, [String: String]) {
        let trimmed = text.trimmingCharacters(in: " ")
        guard trimmed.hasPrefix("<"), let close = trimmed.firstIndex(of: ">") else {
            // Bare addresses are common from simple clients; accept one word.
            let words = trimmed.split(separator: " ")
            return (words.first.map(String.init), parameters(words.dropFirst()))
        }
        let address = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
        let rest = trimmed[trimmed.index(after: close)...].split(separator: " ")
        return (address, parameters(rest[...]))
    }

    static func parameters(_ words: ArraySlice<Substring>) -> [String: String] {
        var result: [String: String] = [:]
        for word in words {
            let parts = word.split(separator: "=", maxSplits: 1)
            result[parts[0].uppercased()] = parts.count == 2 ? String(parts[1]) : ""
        }
        return result
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

/// Finds the end of LMTP DATA (a line holding only a dot) and undoes dot-stuffing (RFC 5321 §4.5.2).
public struct DotTerminatedReader: Sendable {
    /// The message so far (dot-stuffing removed), up to the limit.
    public private(set) var message: [UInt8] = []
    /// Bytes received beyond the limit (the message is then refused, but read to its end).
    public private(set) var overflow = 0
    private let limit: Int
    private var pending: [UInt8] = []

    /// Creates a reader that keeps at most `limit` bytes.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Consumes bytes; returns how many belonged to the message (and its terminator) once the end is found, or
    /// nil when more are needed. Bytes after the terminator are the client's next commands.
    public mutating func consume(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let newline = bytes[index...].firstIndex(of: 0x0A)
            let end = newline.map { $0 + 1 } ?? bytes.endIndex
            pending += bytes[index..<end]
            index = end
            guard newline != nil else { break }
            // A whole line is in `pending`.
            if pending == [UInt8(ascii: "."), 0x0D, 0x0A] || pending == [UInt8(ascii: "."), 0x0A] {
                pending.removeAll()
                return index - bytes.startIndex
            }
            let line = pending.first == UInt8(ascii: ".") ? pending.dropFirst() : pending[...]
            if message.count + line.count <= limit {
                message += line
            } else {
                overflow += line.count
            }
            pending.removeAll(keepingCapacity: true)
        }
        return nil
    }
}
