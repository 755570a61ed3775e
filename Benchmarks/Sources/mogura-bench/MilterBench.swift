import Foundation

/// Drives a running `mogura milter` as Postfix would: each connection negotiates once, then sends message after
/// message (macros, connect, HELO, MAIL, RCPT×2, DATA, headers, body, end of message, abort) and waits for the two
/// replies a message costs with Mogura's no-reply negotiation (MAIL and end of message). Reports messages per
/// second and the latency per message (from its first byte written to its verdict read).
///
///   mogura-bench --milter-load PORT --connections 8 --messages 200000 --accounts 10000
enum MilterBench {
    static func packet(_ code: Character, _ data: [UInt8] = []) -> [UInt8] {
        let length = UInt32(data.count + 1)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), code.asciiValue!] + data
    }

    static func z(_ strings: String...) -> [UInt8] { strings.flatMap { Array($0.utf8) + [0] } }

    static func u32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static func message(account: String, index: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes += packet("D", [UInt8(ascii: "C")] + z("{client_addr}", "198.51.100.\(index % 250)", "j", "mx.example.net"))
        bytes += packet("C", z("unknown") + [UInt8(ascii: "4"), 0x30, 0x39] + z("198.51.100.\(index % 250)"))
        bytes += packet("H", z("client.example"))
        bytes += packet("D", [UInt8(ascii: "M")] + z("{auth_authen}", account, "{auth_type}", "PLAIN"))
        bytes += packet("M", z("<\(account)>", "SIZE=2048"))
        bytes += packet("R", z("<rcpt\(index % 9973)@example.org>"))
        bytes += packet("R", z("<other\(index % 7919)@example.net>"))
        bytes += packet("T")
        bytes += packet("L", z("From", account))
        bytes += packet("L", z("Subject", "Invoice \(index)"))
        bytes += packet("L", z("Message-ID", "<\(index)@example.jp>"))
        bytes += packet("N")
        bytes += packet("B", Array(String(repeating: "Dear customer, please find the invoice attached. ", count: 20).utf8))
        bytes += packet("D", [UInt8(ascii: "E")] + z("i", "Q\(index)"))
        bytes += packet("E")
        bytes += packet("A")
        return bytes
    }

    static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return ok ? fd : -1
    }

    /// Reads until `count` response packets have arrived; false on EOF.
    static func readResponses(_ fd: Int32, count: Int, buffer: inout [UInt8]) -> Bool {
        var pending: [UInt8] = []
        var seen = 0
        while seen < count {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got <= 0 { return false }
            pending += buffer[0..<got]
            while pending.count >= 4 {
                let length = Int(pending[0]) << 24 | Int(pending[1]) << 16 | Int(pending[2]) << 8 | Int(pending[3])
                guard pending.count >= 4 + length else { break }
                pending.removeFirst(4 + length)
                seen += 1
            }
        }
        return true
    }

    /// Per-connection result slots; each connection writes only its own.
    final class Slots: @unchecked Sendable {
        let latencies: UnsafeMutableBufferPointer<Double>
        let failures: UnsafeMutableBufferPointer<Int>
        init(latencies: Int, connections: Int) {
            self.latencies = .allocate(capacity: latencies)
            self.latencies.initialize(repeating: 0)
            self.failures = .allocate(capacity: connections)
            self.failures.initialize(repeating: 0)
        }
        deinit {
            latencies.deallocate()
            failures.deallocate()
        }
    }

    static func run(port: Int, connections: Int, messages: Int, accounts: Int) {
        let perConnection = messages / connections
        let slots = Slots(latencies: perConnection * connections, connections: connections)
        let latencies = slots.latencies
        let failures = slots.failures
        // Prepared before the clock starts: the client's own work must not be what is measured.
        let prepared: [[[UInt8]]] = (0..<connections).map { connection in
            (0..<min(perConnection, 5_000)).map { index in
                let n = connection * perConnection + index
                return message(account: "user\(n % accounts)@example.jp", index: n)
            }
        }
        let started = Date()
        // One thread per connection (concurrentPerform would run them one after another on a pinned core).
        let group = DispatchGroup()
        for connection in 0..<connections {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                drive(connection)
            }
        }
        @Sendable func drive(_ connection: Int) {
            let latencies = slots.latencies
            let failures = slots.failures
            let fd = connect(port: port)
            guard fd >= 0 else {
                failures[connection] = perConnection
                return
            }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let hello = packet("O", u32(6) + u32(0x1FF) + u32(0x1F_FFFF))
            _ = hello.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard readResponses(fd, count: 1, buffer: &buffer) else {
                failures[connection] = perConnection
                return
            }
            let batch = prepared[connection]
            for index in 0..<perConnection {
                let bytes = batch[index % batch.count]
                let start = DispatchTime.now().uptimeNanoseconds
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard readResponses(fd, count: 2, buffer: &buffer) else {
                    failures[connection] = perConnection - index
                    return
                }
                latencies[connection * perConnection + index] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000
            }
        }
        group.wait()
        let elapsed = Date().timeIntervalSince(started)
        let failed = (0..<connections).reduce(0) { $0 + failures[$1] }
        let done = perConnection * connections - failed
        var sorted = Array(latencies.prefix(perConnection * connections)).filter { $0 > 0 }
        sorted.sort()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        print(
            String(
                format: "  %d messages over %d connections in %.2f s: %.0f messages/s; per message p50 %.0f µs, p99 %.0f µs, max %.0f µs%@",
                done, connections, elapsed, Double(done) / elapsed, percentile(0.5), percentile(0.99), sorted.last ?? 0,
                failed > 0 ? " (\(failed) failed)" as NSString : "" as NSString))
    }
}
