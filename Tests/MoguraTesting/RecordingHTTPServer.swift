import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 and a free port that records every request, for testing webhooks: the
/// provider's side of a connector. Answers with what `respond` says (status, body).
public final class RecordingHTTPServer: Sendable {
    /// One request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: [UInt8]
    }

    public let port: Int
    private let channel: any Channel
    private let recorded: NIOLockedValueBox<[Request]>

    /// Starts the server.
    public init(respond: @escaping @Sendable (Request) -> (status: Int, body: String) = { _ in (200, "ok") }) throws {
        let recorded = NIOLockedValueBox<[Request]>([])
        self.recorded = recorded
        channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(respond: respond, record: { request in recorded.withLockedValue { $0.append(request) } }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    /// The URL of a path on this server.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The requests so far, in order.
    public var requests: [Request] { recorded.withLockedValue { $0 } }

    /// Stops the server.
    public func stop() {
        try? channel.close().wait()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let respond: @Sendable (Request) -> (status: Int, body: String)
        let record: @Sendable (Request) -> Void
        var current: Request?

        init(respond: @escaping @Sendable (Request) -> (status: Int, body: String), record: @escaping @Sendable (Request) -> Void) {
            self.respond = respond
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                current = Request(method: head.method.rawValue, path: head.uri, headers: headers, body: [])
            case .body(var buffer):
                current?.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let request = current else { return }
                current = nil
                record(request)
                let (status, text) = respond(request)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: String(text.utf8.count))
                headers.add(name: "Content-Type", value: "text/plain")
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))),
                    promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
