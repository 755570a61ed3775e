import Foundation
import NIOCore
import NIOPosix

/// A yardstick for scripts/bench-postfix-milter.sh: a milter on SwiftNIO that asks Postfix for the events Mogura's
/// milter asks for (MAIL and end of message answered; recipients, headers and body without reply) and does nothing
/// with them — what the same events cost on the same event loop without Mogura's session and accounting.
///
///   mogura-bench --null-milter unix:/path/to/socket
enum NullMilter {
    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var buffer = ByteBuffer()

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var chunk = unwrapInboundIn(data)
            buffer.writeBuffer(&chunk)
            var out = context.channel.allocator.buffer(capacity: 64)
            while buffer.readableBytes >= 5, let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
                buffer.readableBytes >= 4 + Int(length)
            {
                let code = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self)!
                if code == UInt8(ascii: "O") {
                    let version = buffer.getInteger(at: buffer.readerIndex + 5, as: UInt32.self)!
                    let flags = buffer.getInteger(at: buffer.readerIndex + 13, as: UInt32.self)!
                    out.writeInteger(UInt32(13))
                    out.writeInteger(UInt8(ascii: "O"))
                    out.writeInteger(min(version, 6))
                    out.writeInteger(UInt32(0))
                    out.writeInteger(flags & 0x000F_BBC3)  // MilterSession.wantedFlags
                } else if code == UInt8(ascii: "M") || code == UInt8(ascii: "E") {
                    out.writeInteger(UInt32(1))
                    out.writeInteger(UInt8(ascii: "c"))
                } else if code == UInt8(ascii: "Q") {
                    context.close(promise: nil)
                    return
                }
                buffer.moveReaderIndex(forwardBy: 4 + Int(length))
            }
            buffer.discardReadBytes()
            if out.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(out), promise: nil) }
        }
    }

    static func run(path: String) throws {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler()) }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
        try channel.closeFuture.wait()
    }
}
