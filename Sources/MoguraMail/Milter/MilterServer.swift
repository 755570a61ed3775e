import Foundation
public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle

/// A milter server (TCP or UNIX socket) on SwiftNIO: one ``MilterSession`` per MTA connection. A malformed packet
/// or an unknown command closes that connection with a logged error; the MTA's `milter_default_action` then
/// decides the mail. Runs as a `Service`.
public struct MilterServer: ServiceLifecycle.Service {
    let address: LMTPServer.Address
    let policy: any MilterPolicy
    let logger: Logger
    let onListening: @Sendable (String) -> Void

    /// Creates a server.
    /// - Parameters:
    ///   - address: TCP host and port (port 0 picks a free one), or a UNIX socket path.
    ///   - policy: decides about accounts and messages, and sees every message's record.
    ///   - onListening: called with the bound address once the server accepts connections.
    public init(address: LMTPServer.Address, policy: any MilterPolicy, logger: Logger, onListening: @escaping @Sendable (String) -> Void = { _ in }) {
        self.address = address
        self.policy = policy
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .minutes(10)))
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
        logger.notice("milter listening", metadata: ["address": "\(bound)"])
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
        logger.notice("milter stopped", metadata: ["address": "\(bound)"])
    }

    /// One MTA connection; errors end this connection only.
    func handle(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress?.description ?? "unknown"
        do {
            try await connection.executeThenClose { inbound, outbound in
                var session = MilterSession(policy: policy)
                var reader = MilterPacketReader()
                for try await chunk in inbound {
                    reader.append(chunk.readableBytesView)
                    var out: [UInt8] = []
                    var close = false
                    do {
                        while let (code, data) = try reader.next() {
                            let step = try session.receive(try MilterCommand.parse(code: code, data: data))
                            for response in step.responses { out += response.packet }
                            if step.close {
                                close = true
                                break
                            }
                        }
                    } catch {
                        // What was answered before the bad packet still goes out; then the connection closes.
                        if !out.isEmpty { try await outbound.write(ByteBuffer(bytes: out)) }
                        throw error
                    }
                    if !out.isEmpty { try await outbound.write(ByteBuffer(bytes: out)) }
                    if close { return }
                }
            }
        } catch let error as MilterProtocolError {
            logger.error("milter connection closed: \(error)", metadata: ["peer": "\(peer)"])
        } catch {
            logger.info("milter connection ended", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }
}
