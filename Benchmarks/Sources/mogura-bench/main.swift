import Foundation
import Logging
import MoguraCore
import MoguraIntake
import MoguraResolve
import MoguraStore

// mogura-bench: measures the attribution index (load time, memory per prefix, lookups per second on one core) and
// loading assignments from the SQLite store. Build in release mode (scripts/bench does); debug numbers mislead.
//
//   mogura-bench [--runs N] [--lookups N] [--with-store] [--emit-queries DIR]
//   mogura-bench --legal ROWS [--runs N]          (bulk mode: read, resolve and group a claim list)

struct Options {
    var runs = 5
    var lookups = 10_000_000
    var prefixes = 1_000_000
    var withStore = false
    var emitDirectory: String?
    var intakeCorpus: String?
    var intakeMegabytes = 200
    var deskReports: Int?
    var legalRows: Int?
    var databaseURL: String?
    var webSeed: String?
    var cases = 1_000_000
    var webLoad: String?
    var cookie = ""
    var concurrency = 16
    var seconds = 10.0
    var milterPort: Int?
    var connections = 8
    var messages = 200_000
    var accounts = 10_000

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs": runs = Int(iterator.next() ?? "") ?? runs
            case "--lookups": lookups = Int(iterator.next() ?? "") ?? lookups
            case "--prefixes": prefixes = Int(iterator.next() ?? "") ?? prefixes
            case "--with-store": withStore = true
            case "--emit-queries": emitDirectory = iterator.next()
            case "--intake": intakeCorpus = iterator.next()
            case "--intake-megabytes": intakeMegabytes = Int(iterator.next() ?? "") ?? intakeMegabytes
            case "--desk": deskReports = Int(iterator.next() ?? "") ?? 100_000
            case "--database": databaseURL = iterator.next()
            case "--web-seed": webSeed = iterator.next()
            case "--cases": cases = Int(iterator.next() ?? "") ?? cases
            case "--web-load": webLoad = iterator.next()
            case "--cookie": cookie = iterator.next() ?? ""
            case "--concurrency": concurrency = Int(iterator.next() ?? "") ?? concurrency
            case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
            case "--milter-load": milterPort = Int(iterator.next() ?? "")
            case "--connections": connections = Int(iterator.next() ?? "") ?? connections
            case "--messages": messages = Int(iterator.next() ?? "") ?? messages
            case "--accounts": accounts = Int(iterator.next() ?? "") ?? accounts
            case "--legal": legalRows = Int(iterator.next() ?? "") ?? 10_000
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

/// SplitMix64: fixed seeds so every run measures the same data.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let epoch = Int64(1_704_067_200)  // 2024-01-01T00:00:00Z
let day = Int64(86_400)

/// Prefixes shaped like a hosting provider's and an ISP's: allocations carved into /24s, /27s, /29s and hosts,
/// 20% of them moved between services once (two validity ranges).
func makeAssignments(v4 v4Count: Int, v6 v6Count: Int, seed: UInt64) -> [Assignment] {
    var random = Random(state: seed)
    var assignments: [Assignment] = []
    assignments.reserveCapacity((v4Count + v6Count) * 6 / 5)
    var seen = Set<UInt64>()
    func add(_ prefix: IPPrefix, _ n: Int) {
        if random.next() % 5 == 0 {
            let move = Timestamp(seconds: epoch + Int64(random.next() % 600) * day)
            assignments.append(Assignment(serviceID: "s\(n % 100_000)", resource: .prefix(prefix), validity: ValidityRange(to: move)))
            assignments.append(Assignment(serviceID: "s\((n + 7) % 100_000)", resource: .prefix(prefix), validity: ValidityRange(from: move)))
        } else {
            let from = random.next() % 2 == 0 ? nil : Optional(Timestamp(seconds: epoch - Int64(random.next() % 900) * day))
            assignments.append(Assignment(serviceID: "s\(n % 100_000)", resource: .prefix(prefix), validity: ValidityRange(from: from)))
        }
    }
    let v4Bases: [UInt32] = (0..<24).map { _ in UInt32(truncatingIfNeeded: random.next()) & 0xFFF0_0000 }  // /12 allocations
    var n = 0
    while n < v4Count {
        let lengths: [UInt8] = [16, 20, 22, 24, 24, 24, 26, 27, 28, 29, 29, 30, 32, 32, 32, 32]
        let length = lengths[Int(random.next() % UInt64(lengths.count))]
        let address = v4Bases[Int(random.next() % 24)] | (UInt32(truncatingIfNeeded: random.next()) & 0x000F_FFFF)
        let prefix = IPv4Prefix(containing: IPv4Address(address), length: length)
        guard seen.insert(UInt64(prefix.network.value) << 8 | UInt64(length)).inserted else { continue }
        add(.v4(prefix), n)
        n += 1
    }
    seen.removeAll()
    let v6Bases: [UInt128] = (0..<16).map { _ in (UInt128(random.next()) << 64) & (UInt128.max << 96) }  // /32 allocations
    var m = 0
    while m < v6Count {
        let lengths: [UInt8] = [40, 44, 48, 48, 56, 56, 56, 64, 64, 64, 64, 64, 112, 128]
        let length = lengths[Int(random.next() % UInt64(lengths.count))]
        let address = v6Bases[Int(random.next() % 16)] | ((UInt128(random.next()) << 64 | UInt128(random.next())) & ~(UInt128.max << 96))
        let prefix = IPv6Prefix(containing: IPv6Address(address), length: length)
        var hasher = Hasher()
        hasher.combine(prefix)
        guard seen.insert(UInt64(bitPattern: Int64(hasher.finalize()))).inserted else { continue }
        add(.v6(prefix), v4Count + m)
        m += 1
    }
    return assignments
}

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
        let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func measure(runs: Int, _ body: () -> Void) -> [Double] {
    (0..<runs).map { _ in
        let start = ContinuousClock.now
        body()
        return seconds(ContinuousClock.now - start)
    }
}

func summary(_ values: [Double]) -> (median: Double, low: Double, high: Double) {
    let sorted = values.sorted()
    return (sorted[sorted.count / 2], sorted.first ?? 0, sorted.last ?? 0)
}

func format(_ seconds: [Double]) -> String {
    let s = summary(seconds)
    return String(format: "median %.3f s (range %.3f–%.3f, %d runs)", s.median, s.low, s.high, seconds.count)
}

// A do-nothing milter on SwiftNIO, a yardstick for the Postfix comparison (UNIX sockets only).
if let index = CommandLine.arguments.firstIndex(of: "--null-milter"), index + 1 < CommandLine.arguments.count {
    let socket = CommandLine.arguments[index + 1]
    guard socket.hasPrefix("unix:") else {
        FileHandle.standardError.write(Data("--null-milter takes unix:/path\n".utf8))
        exit(2)
    }
    try NullMilter.run(path: String(socket.dropFirst(5)))
    exit(0)
}

let options = Options(CommandLine.arguments)

// Milter mode: drive a running `mogura milter` as Postfix would.
if let port = options.milterPort {
    for _ in 0..<options.runs {
        MilterBench.run(port: port, connections: options.connections, messages: options.messages, accounts: options.accounts)
    }
    exit(0)
}

// Web mode: seed a million cases, or load a running server's queue page.
if let directory = options.webSeed {
    do {
        try await WebBench.seed(directory: directory, cases: options.cases)
    } catch {
        FileHandle.standardError.write(Data("seeding failed: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
if let url = options.webLoad {
    do {
        try await WebBench.load(url: url, cookie: options.cookie, concurrency: options.concurrency, seconds: options.seconds, runs: options.runs)
    } catch {
        FileHandle.standardError.write(Data("load failed: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

// Legal bulk mode: read, resolve and group a claimant's list.
if let rows = options.legalRows {
    LegalBench.run(rows: rows, runs: options.runs)
    await LegalBench.runStored(rows: rows, runs: options.runs)
    exit(0)
}

// Desk mode: correlate + decide a burst of reports.
if let reports = options.deskReports {
    await DeskBench.run(reports: reports, runs: options.runs, databaseURL: options.databaseURL)
    exit(0)
}

// Intake mode: parse throughput on the mail corpus repeated to the requested size.
if let corpus = options.intakeCorpus {
    // The mail fixtures, without the deliberately broken ones (a 400 KB header bomb would be most of the bytes and
    // measure only how fast a limit trips).
    let names =
        (try? FileManager.default.contentsOfDirectory(atPath: corpus))?.filter { $0.hasSuffix(".eml") && !$0.hasPrefix("broken-") }.sorted() ?? []
    let samples = names.compactMap { FileManager.default.contents(atPath: corpus + "/" + $0).map { [UInt8]($0) } }.filter { !$0.isEmpty }
    var messages: [[UInt8]] = []
    var total = 0
    while total < options.intakeMegabytes << 20 {
        for sample in samples {
            messages.append(sample)
            total += sample.count
        }
    }
    print("mogura-bench intake — \(samples.count) mail fixtures repeated to \(messages.count) messages, \(total >> 20) MiB")
    if let directory = options.emitDirectory {
        // The same messages for the Python baseline: concatenated, with an offsets file.
        var blob = Data()
        var offsets = ""
        for message in messages {
            offsets += "\(blob.count) \(message.count)\n"
            blob.append(contentsOf: message)
        }
        try? blob.write(to: URL(fileURLWithPath: directory + "/corpus.bin"))
        try? offsets.write(toFile: directory + "/corpus.idx", atomically: true, encoding: .utf8)
    }
    let megabytes = Double(total) / 1_048_576
    let parser = MIMEParser()
    var checksum = 0
    let parseTimes = measure(runs: options.runs) {
        for message in messages {
            guard let parsed = try? parser.parse(message) else { continue }
            checksum &+=
                (parsed.headers["Subject"]?.utf8.count ?? 0) &+ (parsed.headers["From"]?.utf8.count ?? 0)
                &+ (parsed.bodyText?.utf8.count ?? 0)
        }
    }
    let p = summary(parseTimes)
    print(
        String(
            format: "  MIME parse + decoded Subject, From and body text: %.1f MiB/s on one core (median %.2f s, range %.2f–%.2f, %d runs)",
            megabytes / p.median, p.median, p.low, p.high, parseTimes.count))
    let intake = Intake()
    let intakeTimes = measure(runs: options.runs) {
        for message in messages { checksum &+= intake.drafts(from: message, source: "bench").count }
    }
    let q = summary(intakeTimes)
    print(
        String(
            format: "  full intake (parse, extraction, classification → drafts): %.1f MiB/s on one core (median %.2f s, range %.2f–%.2f, %d runs)",
            megabytes / q.median, q.median, q.low, q.high, intakeTimes.count))
    print("  (checksum \(checksum))")
    exit(0)
}
let services = (0..<100_000).map { Service(id: "s\($0)", customerID: "c\($0 % 50_000)", kind: "vps") }
let customers = (0..<50_000).map { Customer(id: "c\($0)", name: "Customer \($0)") }
print("mogura-bench — \(ProcessInfo.processInfo.processorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")

let mixed = makeAssignments(v4: options.prefixes * 7 / 10 * 5 / 6, v6: options.prefixes * 3 / 10 * 5 / 6, seed: 1)

// 0. Optional, first while the heap is fresh: the same mixed assignments through the SQLite store: import once,
// then load into the index `runs` times.
if options.withStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mogura-bench-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let document = InventoryDocument(
        customers: customers.map { Located($0, at: SourceLocation(file: "bench", line: 1)) },
        services: services.map { Located($0, at: SourceLocation(file: "bench", line: 1)) },
        assignments: mixed.enumerated().map { Located($1, at: SourceLocation(file: "bench", line: $0 + 2)) })
    do {
        try await StoreFactory.withStore(.sqlite(directory: directory), logger: logger) { store in
            let importStart = ContinuousClock.now
            _ = try await store.importInventory(document, mode: .replaceAssignments, actor: "bench")
            print("\n[store] SQLite import of \(mixed.count) assignments: \(ContinuousClock.now - importStart)")
            var reads: [Double] = []
            var builds: [Double] = []
            for _ in 0..<options.runs {
                let readStart = ContinuousClock.now
                let snapshot = try await store.loadInventory()
                reads.append(seconds(ContinuousClock.now - readStart))
                builds += measure(runs: 1) { _ = InventoryIndex(snapshot) }
            }
            let total = zip(reads, builds).map { $0 + $1 }
            print("  load from SQLite into the index: \(format(total)); reading rows \(format(reads)); building \(format(builds))")
        }
    } catch {
        print("store benchmark failed: \(error)")
    }
}

// 1. Load: 1M mixed assignments (70% IPv4, 30% IPv6, 20% of prefixes moved once) into the index.
print("\n[load] \(mixed.count) assignments (mixed IPv4/IPv6, with validity ranges) into the index")
var loaded: InventoryIndex?
let loadTimes = measure(runs: options.runs) {
    loaded = InventoryIndex(customers: customers, services: services, assignments: mixed)
}
print("  build: \(format(loadTimes))")
print("  prefixes: \(loaded!.prefixCounts.v4) IPv4, \(loaded!.prefixCounts.v6) IPv6")
loaded = nil

// 2. Lookups against 1M IPv4 prefixes, and against 1M IPv6 prefixes.
for family in ["IPv4", "IPv6"] {
    let isV4 = family == "IPv4"
    let beforeRecords = residentBytes()
    let assignments = makeAssignments(v4: isV4 ? options.prefixes : 0, v6: isV4 ? 0 : options.prefixes, seed: isV4 ? 2 : 3)
    let before = residentBytes()
    let index = InventoryIndex(customers: customers, services: services, assignments: assignments)
    let after = residentBytes()
    let prefixCount = isV4 ? index.prefixCounts.v4 : index.prefixCounts.v6
    let tableBytes = isV4 ? index.prefixTableBytes.v4 : index.prefixTableBytes.v6
    print("\n[\(family)] \(prefixCount) prefixes, \(assignments.count) assignments")
    if options.withStore {
        // The store phase already grew the heap; resident-size deltas would mean nothing.
        print(String(format: "  index memory: %.1f bytes per prefix in the prefix table", Double(tableBytes) / Double(prefixCount)))
    } else {
        print(
            String(
                format:
                    "  index memory: %.1f bytes per prefix in the prefix table; process growth while building the index %.1f bytes per prefix; the Assignment records themselves %.1f bytes each",
                Double(tableBytes) / Double(prefixCount), Double(after - before) / Double(prefixCount),
                Double(before - beforeRecords) / Double(assignments.count)))
    }
    // Queries: half inside a random assigned prefix, half anywhere; times spread over two years.
    var random = Random(state: isV4 ? 11 : 12)
    let count = options.lookups
    var times = [Int64](repeating: 0, count: count)
    for i in 0..<count { times[i] = (epoch - 365 * day + Int64(random.next() % UInt64(730 * day))) * 1_000_000 }
    var hits = 0
    if isV4 {
        var addresses = [UInt32](repeating: 0, count: count)
        for i in 0..<count {
            if i % 2 == 0, case .prefix(.v4(let p)) = assignments[Int(random.next() % UInt64(assignments.count))].resource {
                addresses[i] = p.network.value | (UInt32(truncatingIfNeeded: random.next()) & ~IPv4Prefix.mask(p.length))
            } else {
                addresses[i] = UInt32(truncatingIfNeeded: random.next())
            }
        }
        if let directory = options.emitDirectory {
            // For the comparison run (scripts/bench): the same prefixes and queries for another tool.
            var prefixText = ""
            var written = Set<IPPrefix>()
            for a in assignments { if case .prefix(let p) = a.resource, written.insert(p).inserted { prefixText += "\(p)\n" } }
            try? prefixText.write(toFile: directory + "/prefixes-v4.txt", atomically: true, encoding: .utf8)
            let queryText = addresses.prefix(1_000_000).map { IPv4Address($0).description }.joined(separator: "\n")
            try? queryText.write(toFile: directory + "/queries-v4.txt", atomically: true, encoding: .utf8)
        }
        let seconds = measure(runs: options.runs) {
            var found = 0
            for i in 0..<count where index.lookupIPv4(addresses[i], at: times[i]) >= 0 { found += 1 }
            hits = found
        }
        let s = summary(seconds)
        print(
            String(format: "  lookups: %.2f M/s on one core (%@; %d%% matched)", Double(count) / s.median / 1e6, format(seconds), hits * 100 / count))
    } else {
        var addresses = [UInt128](repeating: 0, count: count)
        for i in 0..<count {
            if i % 2 == 0, case .prefix(.v6(let p)) = assignments[Int(random.next() % UInt64(assignments.count))].resource {
                addresses[i] = p.network.value | ((UInt128(random.next()) << 64 | UInt128(random.next())) & ~IPv6Prefix.mask(p.length))
            } else {
                addresses[i] = UInt128(random.next()) << 64 | UInt128(random.next())
            }
        }
        let seconds = measure(runs: options.runs) {
            var found = 0
            for i in 0..<count where index.lookupIPv6(addresses[i], at: times[i]) >= 0 { found += 1 }
            hits = found
        }
        let s = summary(seconds)
        print(
            String(format: "  lookups: %.2f M/s on one core (%@; %d%% matched)", Double(count) / s.median / 1e6, format(seconds), hits * 100 / count))
    }
}
