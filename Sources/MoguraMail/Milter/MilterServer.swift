import Foundation
public import Logging
import NIOConcurrencyHelpers
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
        let policy = self.policy
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                // The session runs on the connection's event loop: no hop to the task pool per packet.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .minutes(10)))
                    try channel.pipeline.syncOperations.addHandler(CloseOnIdleHandler())
                    try channel.pipeline.syncOperations.addHandler(MilterChannelHandler(policy: policy, logger: logger))
                }
            }
        let server: any Channel
        switch address {
        case .tcp(let host, let port): server = try await bootstrap.bind(host: host, port: port).get()
        case .unixSocket(let path):
            server = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        }
        let bound =
            server.localAddress.map { address -> String in
                if let port = address.port, let ip = address.ipAddress { return "\(ip):\(port)" }
                return address.pathname.map { "unix:\($0)" } ?? "\(address)"
            } ?? address.description
        logger.notice("milter listening", metadata: ["address": "\(bound)"])
        onListening(bound)
        // Until a graceful shutdown (or cancellation): then stop accepting; open sessions end with their MTA.
        try? await gracefulShutdown()
        try? await server.close()
        logger.notice("milter stopped", metadata: ["address": "\(bound)"])
    }
}

/// One MTA connection: packets in, the session's responses out, on the event loop.
final class MilterChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var session: MilterSession
    private var reader = MilterPacketReader()
    private let logger: Logger
    /// TCP only: acknowledge at once. Postfix writes each packet separately without TCP_NODELAY, so with the
    /// kernel's delayed ACK every packet after the first waits up to 40 ms for ours (Nagle), and a milter over TCP
    /// costs Postfix most of its throughput. Linux clears quick-ACK mode after a while, so it is set again per read.
    private var quickAck = true

    /// Handlers alive, one per open connection: a test checks it returns to zero after hostile connections.
    static let live = NIOLockedValueBox(0)

    init(policy: any MilterPolicy, logger: Logger) {
        self.session = MilterSession(policy: policy)
        self.logger = logger
        Self.live.withLockedValue { $0 += 1 }
    }

    deinit {
        Self.live.withLockedValue { $0 -= 1 }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if quickAck {
            do {
                try context.channel.syncOptions?.setOption(ChannelOptions.tcpOption(NIOBSDSocket.Option(rawValue: TCP_QUICKACK)), value: 1)
            } catch {
                quickAck = false  // a UNIX socket
            }
        }
        let chunk = unwrapInboundIn(data)
        reader.append(chunk.readableBytesView)
        var out = context.channel.allocator.buffer(capacity: 64)
        do {
            while let (code, bytes) = try reader.next() {
                let step = try session.receive(try MilterCommand.parse(code: code, data: bytes))
                for response in step.responses { out.writeBytes(response.packet) }
                if step.close {
                    flush(out, context: context)
                    context.close(promise: nil)
                    return
                }
            }
        } catch {
            // What was answered before the bad packet still goes out; then the connection closes and the MTA's
            // milter_default_action decides the mail.
            logger.error("milter connection closed: \(error)", metadata: ["peer": "\(context.remoteAddress?.description ?? "unknown")"])
            flush(out, context: context)
            context.close(promise: nil)
            return
        }
        flush(out, context: context)
    }

    private func flush(_ out: ByteBuffer, context: ChannelHandlerContext) {
        guard out.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.info("milter connection ended", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
