import Foundation
public import Logging
public import MoguraCore
public import NIOCore
import NIOPosix
public import ServiceLifecycle

/// An LMTP listener (RFC 2033) so an MTA can deliver abuse@ mail straight into Mogura.
///
/// Each message is handed to a ``ReportSink`` and acknowledged with 250 only after the sink has committed it;
/// if storing fails the reply is 451 and the MTA keeps the message and retries. Ingest is idempotent (Message-ID
/// and content hash), so a retry after a lost acknowledgement does not store it twice.
///
/// Runs as a `Service`; one connection's failure never stops the listener.
public struct LMTPServer: ServiceLifecycle.Service {
    /// Where to listen.
    public enum Address: Sendable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): "\(host):\(port)"
            case .unixSocket(let path): "unix:\(path)"
            }
        }
    }

    let address: Address
    let sink: any ReportSink
    let logger: Logger
    let hostname: String
    let maximumMessageBytes: Int
    let idleTimeout: TimeAmount
    let onListening: @Sendable (String) -> Void
    let faultPoint: @Sendable (String) -> Void

    /// Creates a listener.
    /// - Parameters:
    ///   - address: TCP host and port (port 0 picks a free one), or a UNIX socket path.
    ///   - sink: where messages go.
    ///   - hostname: the name in the greeting.
    ///   - maximumMessageBytes: the largest message accepted (SIZE).
    ///   - onListening: called with the bound address once the listener accepts connections.
    ///   - faultPoint: called at named points for crash tests (`lmtp-before-commit`, `lmtp-after-commit`).
    public init(
        address: Address, sink: any ReportSink, logger: Logger, hostname: String = "mogura", maximumMessageBytes: Int = 64 * 1024 * 1024,
        idleTimeout: TimeAmount = .minutes(5), onListening: @escaping @Sendable (String) -> Void = { _ in },
        faultPoint: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.address = address
        self.sink = sink
        self.logger = logger
        self.hostname = hostname
        self.maximumMessageBytes = maximumMessageBytes
        self.idleTimeout = idleTimeout
        self.onListening = onListening
        self.faultPoint = faultPoint
    }

    public func run() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        let idle = idleTimeout
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                try channel.pipeline.syncOperations.addHandler(CloseOnIdleHandler())
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
        switch address {
        case .tcp(let host, let port):
            server = try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer)
        case .unixSocket(let path):
            server = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true, childChannelInitializer: initializer)
        }
        let bound =
            server.channel.localAddress.map { address -> String in
                if let port = address.port, let ip = address.ipAddress { return "\(ip):\(port)" }
                return address.pathname.map { "unix:\($0)" } ?? "\(address)"
            } ?? address.description
        logger.notice("LMTP listening", metadata: ["address": "\(bound)"])
        onListening(bound)
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    try await server.executeThenClose { connections in
                        for try await connection in connections {
                            group.addTask { await self.handle(connection) }
                        }
                    }
                }
            }
        } catch is CancellationError {
            // A graceful shutdown: stop accepting and return normally.
        }
        logger.notice("LMTP stopped", metadata: ["address": "\(bound)"])
    }

    /// One client: errors are logged and end this connection only.
    func handle(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress?.description ?? "unknown"
        do {
            try await connection.executeThenClose { inbound, outbound in
                var machine = LMTPStateMachine(hostname: hostname, maximumMessageBytes: maximumMessageBytes)
                try await outbound.write(ByteBuffer(string: machine.greeting + "\r\n"))
                var buffer: [UInt8] = []
                var data: DotTerminatedReader?
                for try await chunk in inbound {
                    buffer += chunk.readableBytesView
                    var consumed = 0
                    while consumed < buffer.count {
                        if var reader = data {
                            guard let used = reader.consume(buffer[consumed...]) else {
                                data = reader
                                consumed = buffer.count
                                break
                            }
                            consumed += used
                            data = nil
                            let replies = try await deliver(reader, machine: &machine, peer: peer)
                            try await outbound.write(ByteBuffer(string: replies.joined(separator: "\r\n") + "\r\n"))
                            continue
                        }
                        guard let newline = buffer[consumed...].firstIndex(of: 0x0A) else {
                            if buffer.count - consumed > 4_096 {
                                try await outbound.write(ByteBuffer(string: "500 5.5.2 line too long\r\n"))
                                return
                            }
                            break
                        }
                        let line = String(decoding: buffer[consumed..<newline], as: UTF8.self)
                        consumed = newline + 1
                        switch machine.command(line) {
                        case .reply(let reply):
                            try await outbound.write(ByteBuffer(string: reply + "\r\n"))
                        case .startData(let reply):
                            data = DotTerminatedReader(limit: maximumMessageBytes)
                            try await outbound.write(ByteBuffer(string: reply + "\r\n"))
                        case .close(let reply):
                            try await outbound.write(ByteBuffer(string: reply + "\r\n"))
                            return
                        }
                    }
                    buffer.removeFirst(consumed)
                }
            }
        } catch {
            logger.info("LMTP connection ended", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    private func deliver(_ reader: DotTerminatedReader, machine: inout LMTPStateMachine, peer: String) async throws -> [String] {
        if reader.overflow > 0 {
            logger.warning("LMTP message refused: too large", metadata: ["peer": "\(peer)", "bytes": "\(reader.message.count + reader.overflow)"])
            return machine.messageReceived(.tooLarge)
        }
        faultPoint("lmtp-before-commit")
        do {
            let receipt = try await sink.submit(reader.message, source: "lmtp", channel: .mail)
            faultPoint("lmtp-after-commit")
            let ids = receipt.reportIDs.map { "#\($0)" }.joined(separator: ", ")
            let summary =
                receipt.duplicates == receipt.reportIDs.count && !receipt.reportIDs.isEmpty ? "already stored as \(ids)" : "stored as \(ids)"
            logger.info("LMTP message stored", metadata: ["peer": "\(peer)", "reports": "\(ids)", "duplicates": "\(receipt.duplicates)"])
            return machine.messageReceived(.stored(summary))
        } catch {
            logger.error("LMTP message not stored", metadata: ["peer": "\(peer)", "error": "\(error)"])
            return machine.messageReceived(.temporaryFailure("storage unavailable"))
        }
    }
}

/// Closes a connection that has been silent for the idle timeout.
final class CloseOnIdleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
