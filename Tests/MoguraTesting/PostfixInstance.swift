import Foundation

/// A throwaway Postfix on loopback with its own configuration and queue, delivering `provider.example` mail by
/// LMTP to a port of the test's choosing. Outside delivery is disabled. Needs root (Postfix's master runs as root)
/// and the postfix package (`scripts/test` installs it).
public final class PostfixInstance: @unchecked Sendable {
    /// Whether this machine can run one: Postfix is installed and we are root.
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/postfix") && getuid() == 0
    }

    /// Whether tests that need Postfix run (available, or CI, where its absence must fail).
    public static var runs: Bool { isAvailable || TestEnvironment.isCI }

    public let directory: TemporaryDirectory
    /// The SMTP port the instance listens on (127.0.0.1).
    public let smtpPort: Int
    private var configDirectory: String { directory.file("etc") }

    /// Where mail for ``mailboxDomain`` is delivered (a maildir), when the instance delivers locally.
    public var maildir: String { directory.file("mail/customers") }
    /// The certificate (PEM) the instance offers with STARTTLS, when it does; trust it as a CA.
    public var certificateFile: String { directory.file("tls/cert.pem") }
    /// Where SMTP AUTH looks for Dovecot's auth socket, when the instance offers it (`sasl: true`): give it to
    /// ``DovecotInstance/init(socketPath:users:)`` and start Dovecot before the instance.
    public var saslSocketPath: String { directory.file("queue/private/auth") }

    /// Writes the configuration; call ``start()`` next.
    /// - Parameters:
    ///   - lmtpPort: where Mogura's LMTP listener is (`provider.example` mail goes there).
    ///   - mailboxDomain: a domain whose mail is delivered to one maildir (``maildir``), for tests that read what
    ///     Mogura sent.
    ///   - startTLS: offer STARTTLS with a self-signed certificate for 127.0.0.1 (``certificateFile``).
    ///   - milterPort: a milter on 127.0.0.1 that every SMTP session and every sendmail(1) submission goes through.
    ///   - sasl: offer SMTP AUTH (PLAIN, LOGIN) checked by a ``DovecotInstance`` on ``saslSocketPath``; the milter then
    ///     gets `{auth_authen}`. Authenticated clients may relay (loopback may anyway, being in `mynetworks`).
    public init(lmtpPort: Int, mailboxDomain: String? = nil, startTLS: Bool = false, milterPort: Int? = nil, sasl: Bool = false) throws {
        guard Self.isAvailable else {
            throw PostfixError(message: "Postfix is not installed or the tests are not running as root; scripts/test installs it when run as root")
        }
        directory = try TemporaryDirectory(prefix: "mogura-postfix")
        smtpPort = try FreePort.pick()
        let fileManager = FileManager.default
        for sub in ["etc", "queue", "data", "mail", "tls"] {
            try fileManager.createDirectory(atPath: directory.file(sub), withIntermediateDirectories: true)
        }
        // Postfix refuses a data directory it does not own; the virtual agent writes the maildir as postfix.
        try run("/bin/chown", ["postfix", directory.file("data")])
        try run("/bin/chown", ["postfix", directory.file("mail")])
        if sasl {
            // Dovecot puts its socket here before Postfix starts (and creates the rest of the queue); smtpd runs as postfix.
            try fileManager.createDirectory(
                atPath: directory.file("queue/private"), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try run("/bin/chown", ["postfix", directory.file("queue/private")])
        }
        if startTLS {
            try run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", directory.file("tls/key.pem"), "-out", directory.file("tls/cert.pem"),
                ])
        }
        let services = [
            "127.0.0.1:\(smtpPort) inet n - n - - smtpd", "pickup unix n - n 1 1 pickup", "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 1 1 qmgr", "rewrite unix - - n - - trivial-rewrite", "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce", "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush", "proxymap unix - - n - - proxymap", "showq unix n - n - - showq",
            "error unix - - n - - error", "retry unix - - n - - error", "discard unix - - n - - discard",
            "lmtp unix - - n - - lmtp", "anvil unix - - n - 1 anvil", "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd", "virtual unix - n n - - virtual", "tlsmgr unix - - n 1000? 1 tlsmgr",
        ]
        try services.joined(separator: "\n").appending("\n").write(toFile: directory.file("etc/master.cf"), atomically: true, encoding: .utf8)
        let main = """
            compatibility_level = 3.6
            queue_directory = \(directory.file("queue"))
            data_directory = \(directory.file("data"))
            meta_directory = /etc/postfix
            myhostname = postfix-test.localdomain
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mydestination =
            mynetworks = 127.0.0.0/8
            relay_domains = provider.example
            transport_maps = inline:{ provider.example=lmtp:inet:127.0.0.1:\(lmtpPort) }
            \(mailboxDomain.map { domain in
                """
                virtual_mailbox_domains = \(domain)
                virtual_mailbox_base = \(directory.file("mail"))
                virtual_mailbox_maps = static:customers/
                virtual_uid_maps = static:\(Self.postfixIDs.uid)
                virtual_gid_maps = static:\(Self.postfixIDs.gid)
                """
            } ?? "")
            \(startTLS ? """
                smtpd_tls_security_level = may
                smtpd_tls_cert_file = \(directory.file("tls/cert.pem"))
                smtpd_tls_key_file = \(directory.file("tls/key.pem"))
                smtpd_tls_received_header = yes
                """ : "")
            \(milterPort.map { port in
                """
                smtpd_milters = inet:127.0.0.1:\(port)
                non_smtpd_milters = inet:127.0.0.1:\(port)
                milter_protocol = 6
                milter_default_action = accept
                """
            } ?? "")
            \(sasl ? """
                smtpd_sasl_auth_enable = yes
                smtpd_sasl_type = dovecot
                smtpd_sasl_path = private/auth
                smtpd_tls_auth_only = no
                """ : "")
            default_transport = error:outside delivery is disabled in tests
            relay_transport = error:outside delivery is disabled in tests
            smtpd_relay_restrictions = permit_mynetworks, \(sasl ? "permit_sasl_authenticated, " : "")reject_unauth_destination
            maillog_file = \(directory.file("maillog"))
            maillog_file_prefixes = \(directory.path)
            minimal_backoff_time = 1s
            maximal_backoff_time = 2s
            queue_run_delay = 1s
            lmtp_connect_timeout = 2s
            smtputf8_enable = no
            alias_maps =
            alias_database =
            local_recipient_maps =

            """
        try main.write(toFile: directory.file("etc/main.cf"), atomically: true, encoding: .utf8)
    }

    /// The postfix user's ids (the virtual delivery agent writes as them).
    static var postfixIDs: (uid: UInt32, gid: UInt32) {
        guard let entry = getpwnam("postfix") else { return (0, 0) }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    /// The messages delivered to ``maildir`` so far (new/), oldest first.
    public func deliveredMessages() -> [[UInt8]] {
        let new = maildir + "/new"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: new)) ?? []).sorted()
        return names.compactMap { FileManager.default.contents(atPath: new + "/" + $0).map { [UInt8]($0) } }
    }

    /// Starts the instance and waits until it accepts SMTP connections.
    public func start() throws {
        try run("/usr/sbin/postfix", ["-c", configDirectory, "start"])
        try waitFor("Postfix SMTP on port \(smtpPort)") { FreePort.accepts(port: self.smtpPort) }
    }

    /// Asks Postfix to retry deferred mail now.
    public func flush() throws {
        try run("/usr/sbin/postqueue", ["-c", configDirectory, "-f"])
    }

    /// Messages still in the queue.
    public func queueSize() throws -> Int {
        let output = try run("/usr/sbin/postqueue", ["-c", configDirectory, "-j"])
        return output.split(separator: "\n").count
    }

    /// Postfix's log so far.
    public var log: String {
        (try? String(contentsOfFile: directory.file("maillog"), encoding: .utf8)) ?? ""
    }

    /// Sends a message to the instance by SMTP.
    public func send(_ message: [UInt8], from: String = "reporter@example.org", to: String = "abuse@provider.example") throws {
        try SMTPClient.send(message, host: "127.0.0.1", port: smtpPort, from: from, to: [to])
    }

    /// Sends a message by SMTP after AUTH PLAIN as `user` (the instance was made with `sasl: true`), with swaks; throws,
    /// with swaks' transcript, unless it is accepted.
    public func sendAuthenticated(_ message: [UInt8], user: String, password: String, from: String, to: String) throws {
        let (accepted, transcript) = try trySendAuthenticated(message, user: user, password: password, from: from, to: to)
        guard accepted else { throw PostfixError(message: "the message was refused:\n\(transcript)") }
    }

    /// Sends a message by SMTP after AUTH PLAIN as `user`, with swaks, and tells whether it was accepted (250 at the end
    /// of DATA) or refused at MAIL, RCPT, DATA or the end of DATA (4xx or 5xx: a milter's 451 tempfail is `false`, not an
    /// error). `transcript` is swaks' record of the session; server replies that are not what swaks expected are the
    /// lines starting `<**`. Throws when the session fails otherwise (AUTH refused, no connection, a timeout).
    public func trySendAuthenticated(
        _ message: [UInt8], user: String, password: String, from: String, to: String
    ) throws -> (accepted: Bool, transcript: String) {
        let installed = FileManager.default.isExecutableFile(atPath: "/usr/bin/swaks") ? "/usr/bin/swaks" : nil
        guard let swaks = TestEnvironment.which("swaks") ?? installed else {
            throw PostfixError(message: "swaks is not installed (apt-get install swaks)")
        }
        // swaks sends the file as it is with --no-data-fixup, then CRLF: the dot-stuffed message and the final dot.
        let dataFile = directory.file("swaks-\(UUID().uuidString).eml")
        try Data(Self.smtpData(message)).write(to: URL(fileURLWithPath: dataFile))
        defer { try? FileManager.default.removeItem(atPath: dataFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swaks)
        process.arguments = [
            "--config", "/dev/null", "--server", "127.0.0.1", "--port", String(smtpPort),
            "--timeout", String(Int((30 * TestEnvironment.timeoutScale).rounded(.up))),
            "--auth", "PLAIN", "--auth-user", user, "--auth-password", password, "--from", from, "--to", to,
            "--no-data-fixup", "--data", "@" + dataFile,
        ]
        // No SWAKS_OPT_* from the environment either.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SWAKS_") }
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: return (true, transcript)
        // swaks(1) exit codes: 23 MAIL, 24 no RCPT accepted, 25 DATA, 26 end of DATA refused.
        case 23...26: return (false, transcript)
        default:
            throw PostfixError(message: "swaks failed (\(process.terminationStatus)):\n\(transcript)\n\(log.suffix(2_000))")
        }
    }

    /// A message as swaks must send it with `--no-data-fixup`: CRLF line ends, a dot doubled at the start of a line, and
    /// the final dot (swaks adds the CRLF after it).
    static func smtpData(_ message: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(message.count + 64)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { data.append(UInt8(ascii: "\r")) }
            if atLineStart && byte == UInt8(ascii: ".") { data.append(UInt8(ascii: ".")) }
            data.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
            previous = byte
        }
        if !atLineStart { data += Array("\r\n".utf8) }
        data.append(UInt8(ascii: "."))
        return data
    }

    /// Submits a message locally through Postfix's sendmail(1), as a web application's mail() does.
    public func sendmail(_ message: [UInt8], from: String, to: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/sendmail")
        process.arguments = ["-C", configDirectory, "-f", from, "--", to]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(message))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PostfixError(message: "sendmail failed (\(process.terminationStatus)): \(text)") }
    }

    /// Messages in the hold queue (held by a milter's quarantine).
    public func heldMessages() throws -> Int {
        try run("/usr/sbin/postqueue", ["-c", configDirectory, "-j"]).split(separator: "\n").filter { $0.contains("\"queue_name\": \"hold\"") }.count
    }

    /// Stops the instance.
    public func stop() {
        _ = try? run("/usr/sbin/postfix", ["-c", configDirectory, "stop"])
    }

    deinit {
        stop()
    }

    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw PostfixError(
                message: "\(executable) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)\n\(log.suffix(2_000))")
        }
        return text
    }
}

public struct PostfixError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Waits for a condition with a deadline (scaled by `MOGURA_TEST_TIMEOUT_SCALE`), polling; never a bare sleep.
public func waitFor(_ what: String, timeout: Double = 20, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout * TestEnvironment.timeoutScale)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
    throw PostfixError(message: "timed out after \(timeout * TestEnvironment.timeoutScale) s waiting for \(what)")
}

/// Free loopback ports and connection probes.
public enum FreePort {
    /// A port nothing listens on right now.
    public static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw PostfixError(message: "cannot pick a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:port.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A minimal SMTP client for tests (Python's smtplib is the reference it was checked against).
public enum SMTPClient {
    public static func send(_ message: [UInt8], host: String, port: Int, from: String, to recipients: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.which("python3") ?? "/usr/bin/python3")
        let recipientList = recipients.map { "'\($0)'" }.joined(separator: ",")
        process.arguments = [
            "-c",
            "import smtplib,sys; s=smtplib.SMTP('\(host)', \(port)); s.sendmail('\(from)', [\(recipientList)], sys.stdin.buffer.read()); s.quit()",
        ]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(message))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw PostfixError(message: "SMTP submission failed: \(text)")
        }
    }
}
