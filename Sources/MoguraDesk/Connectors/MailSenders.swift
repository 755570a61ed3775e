import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail by SMTP (RFC 5321) to the configured relay, with STARTTLS (RFC 3207) when the relay offers it (or
/// always, or never, as configured).
///
/// Written on SwiftNIO by hand: no maintained Swift SMTP client is among the packages Mogura may use. It speaks
/// only what a relay needs from a submitter: EHLO, STARTTLS, MAIL, RCPT, DATA, QUIT. A 5xx answer fails the
/// action at once; 4xx answers, timeouts and connection errors are retried.
public struct SMTPSender: MailSender {
    public var host: String
    public var port: Int
    public var startTLS: MailSettings.StartTLS
    public var heloName: String
    public var timeout: Int64
    let tls: TLSConfiguration

    /// Creates a sender.
    public init(host: String, port: Int, startTLS: MailSettings.StartTLS, caFile: String?, verifyCertificate: Bool, heloName: String, timeout: Int64)
    {
        self.host = host
        self.port = port
        self.startTLS = startTLS
        self.heloName = heloName
        self.timeout = timeout
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        if !verifyCertificate { tls.certificateVerification = .none }
        self.tls = tls
    }

    public func send(_ mail: OutgoingMail) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            let connection = SMTPConnectionBox()
            group.addTask { try await self.deliver(mail, box: connection) }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                throw ConnectorError("SMTP \(host):\(port): no answer within \(timeout) s")
            }
            defer { group.cancelAll() }
            do {
                let result = try await group.next()!
                return result
            } catch {
                connection.close()
                throw error
            }
        }
    }

    func deliver(_ mail: OutgoingMail, box: SMTPConnectionBox) async throws -> String {
        let handler = SMTPResponseHandler()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(min(timeout, 30)))
                .channelInitializer { channel in channel.pipeline.addHandler(handler) }
                .connect(host: host, port: port).get()
        } catch {
            throw ConnectorError("SMTP \(host):\(port): cannot connect: \(error)")
        }
        box.set(channel)
        defer { channel.close(promise: nil) }
        let session = SMTPSession(channel: channel, handler: handler, peer: "\(host):\(port)")

        _ = try await session.expect(nil, codes: [220])
        var greeting = try await session.expect("EHLO \(heloName)", codes: [250])
        if startTLS != .off {
            let offered = greeting.lines.dropFirst().contains { $0.dropFirst(4).uppercased().hasPrefix("STARTTLS") }
            if offered {
                _ = try await session.expect("STARTTLS", codes: [220])
                let context = try NIOSSLContext(configuration: tls)
                let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                let serverName = isAddress ? nil : host
                try await channel.eventLoop.submit {
                    let tlsHandler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                    try channel.pipeline.syncOperations.addHandler(tlsHandler, position: .first)
                }.get()
                greeting = try await session.expect("EHLO \(heloName)", codes: [250])
            } else if startTLS == .required {
                _ = try? await session.expect("QUIT", codes: [221])
                throw ConnectorError("SMTP \(host):\(port) does not offer STARTTLS, and mail.starttls is required", permanent: true)
            }
        }
        _ = greeting
        _ = try await session.expect("MAIL FROM:<\(mail.envelopeFrom)>", codes: [250])
        for recipient in mail.to {
            _ = try await session.expect("RCPT TO:<\(Self.address(in: recipient))>", codes: [250, 251])
        }
        _ = try await session.expect("DATA", codes: [354])
        let accepted = try await session.expect(raw: Self.dotStuffed(mail.bytes()), codes: [250])
        _ = try? await session.expect("QUIT", codes: [221])
        return "\(accepted.lines.last ?? "250") <\(mail.messageID)>"
    }

    /// The address inside `Name <address>`, or the text itself.
    static func address(in text: String) -> String {
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            return String(text[text.index(after: open)..<close])
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The message with CRLF line ends, leading dots doubled and the final `.` line (RFC 5321 4.5.2).
    static func dotStuffed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var atLineStart = true
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            if byte == 0x0A {
                if out.last != 0x0D { out.append(0x0D) }
                out.append(0x0A)
                atLineStart = true
            } else {
                out.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { out += [0x0D, 0x0A] }
        out += Array(".\r\n".utf8)
        return out
    }
}

/// An SMTP reply: the code and its lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
}

/// Holds the channel so a timeout can close it.
final class SMTPConnectionBox: @unchecked Sendable {
    private let lock = NSLock()
    private var channel: (any Channel)?

    func set(_ channel: any Channel) {
        lock.withLock { self.channel = channel }
    }

    func close() {
        lock.withLock { channel }?.close(promise: nil)
    }
}

/// Commands and their replies over one connection.
struct SMTPSession {
    let channel: any Channel
    let handler: SMTPResponseHandler
    let peer: String

    /// Sends a command (or nothing, for the greeting) and checks the reply code.
    func expect(_ command: String?, codes: Set<Int>) async throws -> SMTPReply {
        try await expect(raw: command.map { Array(($0 + "\r\n").utf8) }, codes: codes, shown: command)
    }

    func expect(raw: [UInt8]?, codes: Set<Int>, shown: String? = "message data") async throws -> SMTPReply {
        let eventLoop = channel.eventLoop
        let channel = self.channel
        let handler = self.handler
        let reply = try await eventLoop.flatSubmit { () -> EventLoopFuture<SMTPReply> in
            let promise = eventLoop.makePromise(of: SMTPReply.self)
            handler.await(promise)
            if let raw { channel.writeAndFlush(ByteBuffer(bytes: raw), promise: nil) }
            return promise.futureResult
        }.get()
        guard codes.contains(reply.code) else {
            let text = reply.lines.joined(separator: " / ")
            throw ConnectorError("SMTP \(peer) answered \(shown ?? "the connection") with \(text)", permanent: reply.code >= 500)
        }
        return reply
    }
}

/// Splits the server's bytes into replies (multi-line replies joined) and hands each to the oldest waiting
/// command. Runs on the channel's event loop only.
final class SMTPResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var line: [UInt8] = []
    private var lines: [String] = []
    private var waiting = CircularBuffer<EventLoopPromise<SMTPReply>>()
    private var ready = CircularBuffer<SMTPReply>()
    private var failure: (any Error)?
    /// A reply longer than this is not SMTP.
    private static let lineLimit = 4_096

    func await(_ promise: EventLoopPromise<SMTPReply>) {
        if let reply = ready.popFirst() {
            promise.succeed(reply)
        } else if let failure {
            promise.fail(failure)
        } else {
            waiting.append(promise)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        while let byte = buffer.readInteger(as: UInt8.self) {
            if byte == 0x0A {
                if line.last == 0x0D { line.removeLast() }
                let text = String(decoding: line, as: UTF8.self)
                line.removeAll(keepingCapacity: true)
                lines.append(text)
                let bytes = Array(text.utf8)
                let continues = bytes.count > 3 && bytes[3] == UInt8(ascii: "-")
                if !continues {
                    let code = Int(text.prefix(3)) ?? 0
                    deliver(SMTPReply(code: code, lines: lines))
                    lines = []
                }
            } else {
                line.append(byte)
                if line.count > Self.lineLimit {
                    fail(ConnectorError("the SMTP server sent a line longer than \(Self.lineLimit) bytes"))
                    context.close(promise: nil)
                    return
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(ConnectorError("SMTP connection error: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ConnectorError("the SMTP server closed the connection"))
        context.fireChannelInactive()
    }

    private func deliver(_ reply: SMTPReply) {
        if let promise = waiting.popFirst() {
            promise.succeed(reply)
        } else {
            ready.append(reply)
        }
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}

/// Writes mail as `.eml` files to a directory instead of sending it: the default until a relay is configured,
/// so a first run never mails anyone. Each file is named after its Message-ID and written atomically.
public struct OutboxSender: MailSender {
    public var directory: String

    /// Creates a sender.
    public init(directory: String) {
        self.directory = directory
    }

    public func send(_ mail: OutgoingMail) async throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let name = mail.messageID.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
            let path = (directory as NSString).appendingPathComponent(String(name) + ".eml")
            try Data(mail.bytes()).write(to: URL(fileURLWithPath: path), options: .atomic)
            return "written to \(path)"
        } catch {
            throw ConnectorError("cannot write to the outbox \(directory): \(error.localizedDescription)")
        }
    }
}
