import Foundation

/// A throwaway Dovecot that runs only its authentication service, for a test Postfix's SMTP AUTH
/// (`smtpd_sasl_type = dovecot`): its own configuration (`dovecot -c`), base and state directories and log, users in a
/// passwd-file with `{PLAIN}` passwords, and its auth client socket where Postfix looks for it
/// (``PostfixInstance/saslSocketPath``). No IMAP or POP3 listener; the system Dovecot is never touched. Its processes
/// run as root, so it needs root and the dovecot-core package.
///
/// ```swift
/// let postfix = try PostfixInstance(lmtpPort: port, mailboxDomain: "customers.example", milterPort: milterPort, sasl: true)
/// let dovecot = try DovecotInstance(socketPath: postfix.saslSocketPath, users: ["alice@customers.example": "secret"])
/// try dovecot.start()
/// try postfix.start()
/// ```
public final class DovecotInstance: @unchecked Sendable {
    /// Whether this machine can run one: Dovecot is installed and we are root.
    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/dovecot") && getuid() == 0
    }

    /// Whether tests that need Dovecot run (available, or CI, where its absence must fail).
    public static var runs: Bool { isAvailable || TestEnvironment.isCI }

    public let directory: TemporaryDirectory
    /// Where the auth client socket is (mode 0660, owned by postfix).
    public let socketPath: String
    /// The configuration file (`dovecot -c`).
    public var configFile: String { directory.file("dovecot.conf") }
    private var baseDirectory: String { directory.file("run") }

    private let lock = NSLock()
    /// The master process once started; it leads its own session and process group (Dovecot calls setsid).
    private var masterPID: pid_t?

    /// Writes the configuration and the passwd-file; call ``start()`` next.
    /// - Parameters:
    ///   - socketPath: where the auth client socket goes; its directory must exist (a `PostfixInstance` made with
    ///     `sasl: true` creates its `private` directory).
    ///   - users: login names (Dovecot lowercases them, so they match in any case) and their passwords.
    public init(socketPath: String, users: [String: String]) throws {
        guard Self.isAvailable else {
            throw PostfixError(message: "Dovecot is not installed or the tests are not running as root (apt-get install dovecot-core as root)")
        }
        let unusable = CharacterSet(charactersIn: ":\r\n")
        for (user, password) in users {
            guard !user.isEmpty, user.rangeOfCharacter(from: unusable) == nil, password.rangeOfCharacter(from: unusable) == nil else {
                throw PostfixError(message: "a passwd-file user or password cannot be empty or contain ':' or a line break: \(user)")
            }
        }
        self.socketPath = socketPath
        directory = try TemporaryDirectory(prefix: "mogura-dovecot")
        let passwd = users.sorted { $0.key < $1.key }.map { "\($0.key.lowercased()):{PLAIN}\($0.value)::::::\n" }.joined()
        let usersFile = try directory.write("users", passwd)
        // Authentication only. Everything runs as root (the internal and login users would otherwise be dovecot and
        // dovenull). No failure delay, and no anvil-auth-penalty listener: without it the auth process skips its
        // per-IP penalty, which otherwise delays every login from 127.0.0.1, right or wrong, by 2 s, 4 s, ... after a
        // failed one.
        let configuration = """
            protocols = none
            base_dir = \(baseDirectory)
            state_dir = \(directory.file("state"))
            instance_name = mogura-test-dovecot
            log_path = \(directory.file("dovecot.log"))
            info_log_path = \(directory.file("dovecot.log"))
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            auth_failure_delay = 0
            default_internal_user = root
            default_internal_group = root
            default_login_user = root
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u \(usersFile)
            }
            userdb {
              driver = static
              args = uid=65534 gid=65534 home=/nonexistent
            }
            service auth {
              unix_listener \(socketPath) {
                mode = 0660
                user = postfix
                group = postfix
              }
            }
            service anvil {
              unix_listener anvil-auth-penalty {
                mode = 0
              }
            }

            """
        try directory.write("dovecot.conf", configuration)
    }

    /// Starts Dovecot and waits until its auth socket exists: the master creates its listeners before it daemonizes and
    /// starts the auth process on the first connection, so the socket is there when `dovecot` returns (about 60 ms).
    public func start() throws {
        lock.lock()
        let started = masterPID != nil
        lock.unlock()
        if started { return }
        let socketDirectory = (socketPath as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: socketDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PostfixError(message: "no directory \(socketDirectory) for Dovecot's auth socket (make the PostfixInstance with sasl: true first)")
        }
        // `dovecot` forks the master (which calls setsid) and exits. The master keeps every descriptor it inherits,
        // including Foundation's Process watch socket (waitUntilExit would wait for the master) and its standard error
        // (a pipe would never reach end of file); so posix_spawn, with only standard input, output and error, those
        // going to a file.
        let outputFile = directory.file("dovecot.out")
        let status = try Self.spawnAndWait(["/usr/sbin/dovecot", "-c", configFile], output: outputFile)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            throw PostfixError(message: "dovecot -c \(configFile) failed (\(status)): \(text)\n\(log.suffix(2_000))")
        }
        do {
            try waitFor("Dovecot's auth socket at \(socketPath)", timeout: 10) {
                lock.lock()
                if masterPID == nil { masterPID = readMasterPID() }
                let pid = masterPID
                lock.unlock()
                guard let pid else { return false }
                guard Self.isRunning(pid) else { throw PostfixError(message: "Dovecot exited while starting:\n\(log.suffix(2_000))") }
                let type = try? FileManager.default.attributesOfItem(atPath: socketPath)[.type] as? FileAttributeType
                return type == .typeSocket
            }
        } catch {
            stop()
            throw error
        }
    }

    /// Whether Dovecot accepts this login on ``socketPath`` (`doveadm auth test`), for diagnosing a failed AUTH.
    public func authenticates(user: String, password: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/doveadm")
        process.arguments = ["-c", configFile, "auth", "test", "-a", socketPath, user, password]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Dovecot's log so far.
    public var log: String {
        (try? String(contentsOfFile: directory.file("dovecot.log"), encoding: .utf8)) ?? ""
    }

    /// Stops Dovecot: SIGKILL to the master's process group. Idempotent. Neither `doveadm stop` nor SIGTERM is used: the
    /// master takes about 3 s to exit on SIGTERM and can leave its log, auth and stats children running for good.
    public func stop() {
        lock.lock()
        let pid = masterPID
        masterPID = nil
        lock.unlock()
        guard let pid, pid > 1 else { return }
        if Self.isOurs(pid, configFile: configFile) {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        // The master is not our child (it daemonized): wait until it is gone or a zombie for init to reap.
        let deadline = Date().addingTimeInterval(5 * TestEnvironment.timeoutScale)
        while Self.isRunning(pid) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    deinit {
        stop()
    }

    /// Runs a program that daemonizes with posix_spawn: standard input from /dev/null, standard output and error to
    /// `output`, no other descriptor, default dispositions for the signals a test process may ignore (SIGTERM, SIGPIPE,
    /// ...) and no blocked signal. Returns its exit status: -1 when it was killed, 0 when something else reaped it (the
    /// readiness probe decides then).
    private static func spawnAndWait(_ arguments: [String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // posix_spawn_file_actions_addclosefrom_np (glibc 2.34) needs _GNU_SOURCE, which Swift's Glibc module lacks.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
        } else {
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = arguments.map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + environment { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environment)
        guard result == 0 else { throw PostfixError(message: "cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { return errno == ECHILD ? 0 : -1 }
        }
        // WIFEXITED and WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
    }

    private func readMasterPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: (baseDirectory as NSString).appendingPathComponent("master.pid"), encoding: .utf8) else {
            return nil
        }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether the process exists and is not a zombie.
    private static func isRunning(_ pid: pid_t) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let commandEnd = status.lastIndex(of: ")")
        else { return false }
        // "pid (comm) S ...": the state follows the last parenthesis and a space.
        return !status[status.index(after: commandEnd)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Whether `pid` still names our master (its command line has our configuration file), or is gone or a zombie; in
    /// the last two cases its number cannot have been reused as a process group id while members of ours remain.
    private static func isOurs(_ pid: pid_t, configFile: String) -> Bool {
        guard isRunning(pid) else { return true }
        guard let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return true }
        return String(decoding: commandLine, as: UTF8.self).contains(configFile)
    }
}
