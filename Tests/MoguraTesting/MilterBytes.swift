import Foundation

/// Milter packets as an MTA writes them, for tests: the session Postfix 3.7 was observed to send (docs/milter.md),
/// and a socket exchange with a running milter.
public enum MilterBytes {

    public static func packet(_ code: Character, _ data: [UInt8] = []) -> [UInt8] {
        let length = UInt32(data.count + 1)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), code.asciiValue!] + data
    }

    public static func z(_ strings: String...) -> [UInt8] { strings.flatMap { Array($0.utf8) + [0] } }
    public static func u32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public static func optionNegotiation(version: UInt32 = 6, actions: UInt32 = 0x1FF, flags: UInt32 = 0x1F_FFFF) -> [UInt8] {
        packet("O", u32(version) + u32(actions) + u32(flags))
    }

    /// One SMTP session with one message, as Postfix sends it after negotiation.
    public static func postfixSession(authenticated: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += packet("D", [UInt8(ascii: "C")] + z("{client_addr}", "198.51.100.23", "{client_name}", "unknown", "j", "mx.example.net"))
        bytes += packet("C", z("unknown") + [UInt8(ascii: "4")] + [0x30, 0x39] + z("198.51.100.23"))
        bytes += packet("D", [UInt8(ascii: "H")])
        bytes += packet("H", z("client.example"))
        bytes += packet(
            "D", [UInt8(ascii: "M")] + (authenticated ? z("{auth_authen}", "alice@example.jp", "{auth_type}", "PLAIN") : z("{mail_addr}", "x")))
        bytes += packet("M", z("<alice@example.jp>", "SIZE=321"))
        bytes += packet("D", [UInt8(ascii: "R")] + z("{rcpt_addr}", "bob@example.org", "{rcpt_mailer}", "smtp"))
        bytes += packet("R", z("<bob@example.org>"))
        bytes += packet("D", [UInt8(ascii: "R")] + z("{rcpt_addr}", "nobody@example.net", "{rcpt_mailer}", "error"))
        bytes += packet("R", z("<nobody@example.net>"))
        bytes += packet("D", [UInt8(ascii: "R")] + z("i", "4XyZ1Q", "{rcpt_addr}", "carol@example.net", "{rcpt_mailer}", "smtp"))
        bytes += packet("R", z("<carol@example.net>"))
        bytes += packet("D", [UInt8(ascii: "T")] + z("i", "4XyZ1Q"))
        bytes += packet("T")
        bytes += packet("L", z("Subject", "Cheap watches 2024"))
        bytes += packet("L", z("Message-ID", "<m1@client.example>"))
        bytes += packet("N")
        bytes += packet("B", Array("Buy  NOW\r\nonly 99 dollars\r\n".utf8))
        bytes += packet("D", [UInt8(ascii: "E")] + z("i", "4XyZ1Q"))
        bytes += packet("E")
        bytes += packet("A")
        bytes += packet("A")
        bytes += packet("Q")
        return bytes
    }

    /// Writes bytes to the server and reads until it closes the connection.
    /// With `hangUp`, the write side is shut after the bytes (the server sees end of file, as when an MTA dies).
    public static func exchange(port: Int, _ bytes: [UInt8], hangUp: Bool = false) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw PostfixError(message: "cannot connect to the milter") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if hangUp { shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }

    /// ``exchange(port:_:)`` on a thread of its own, so the blocking socket never starves the cooperative pool an
    /// in-process server needs to answer.
    public static func exchangeOffPool(port: Int, _ bytes: [UInt8]) async throws -> [UInt8] {
        try await offPool { try exchange(port: port, bytes) }
    }
}

/// Runs blocking work (sockets, processes, polling with sleeps) on a thread of its own, so it never starves the
/// cooperative pool that a server running in the same test process needs.
public func offPool<R: Sendable>(_ work: @escaping @Sendable () throws -> R) async throws -> R {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
