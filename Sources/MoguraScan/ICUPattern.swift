import Dispatch
import Foundation
import _FoundationICU

/// A regular expression compiled by ICU, matched through ICU's C API.
///
/// Foundation's `NSRegularExpression` is the same engine, but it offers only one way to stop a runaway match —
/// `.reportProgress`, which also calls back at every start position and made the scan three times slower. ICU's
/// own match callback runs every few thousand engine steps, so a deadline costs nothing measurable. Matching
/// works on UTF-16 code units; the scanner widens bytes one to one (Latin-1), so offsets are byte offsets and no
/// byte sequence is refused. The ICU build is the one Foundation ships with the toolchain (`_FoundationICU`).
///
/// A compiled pattern is shared; each worker matches with its own ``ICUMatcher`` (an ICU clone: a matcher holds
/// the text and the match state).
final class ICUPattern: @unchecked Sendable {
    // @unchecked: `compiled` is only cloned after initialisation, which ICU allows from any thread.
    let pattern: String
    private let compiled: OpaquePointer

    /// Compiles `pattern` with no flags (inline `(?i)`, `(?s)` and the like apply).
    /// - Throws: `ScanError` naming the pattern and ICU's reason.
    init(_ pattern: String) throws {
        self.pattern = pattern
        var status = U_ZERO_ERROR
        var parseError = UParseError()
        let units = Array(pattern.utf16)
        let compiled = units.withUnsafeBufferPointer { buffer in
            swift_uregex_open(buffer.baseAddress, Int32(buffer.count), 0, &parseError, &status)
        }
        guard let compiled, status.rawValue <= U_ZERO_ERROR.rawValue else {
            if let compiled { swift_uregex_close(compiled) }
            throw ScanError("the regex \(pattern) does not compile (ICU error \(status.rawValue) at offset \(parseError.offset))")
        }
        self.compiled = compiled
    }

    deinit { swift_uregex_close(compiled) }

    /// A matcher of this pattern for one worker.
    func matcher() -> ICUMatcher {
        var status = U_ZERO_ERROR
        guard let clone = swift_uregex_clone(compiled, &status), status.rawValue <= U_ZERO_ERROR.rawValue else {
            fatalError("ICU could not clone a compiled pattern (error \(status.rawValue)); out of memory")
        }
        return ICUMatcher(clone)
    }
}

/// One worker's matcher of an ``ICUPattern``.
final class ICUMatcher {
    /// What one search found.
    enum Outcome: Equatable {
        case found(Int)
        case none
        case timedOut
    }

    private let regex: OpaquePointer
    /// The deadline the callback reads (uptime nanoseconds), where ICU's C callback can reach it.
    private let deadline = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)

    fileprivate init(_ regex: OpaquePointer) {
        self.regex = regex
        deadline.initialize(to: .max)
        var status = U_ZERO_ERROR
        swift_uregex_setMatchCallback(
            regex,
            { context, _ in
                // Called every few thousand steps of a long match: stop (false) once the deadline has passed.
                guard let limit = context?.assumingMemoryBound(to: UInt64.self).pointee else { return 1 }
                return DispatchTime.now().uptimeNanoseconds < limit ? 1 : 0
            }, UnsafeRawPointer(deadline), &status)
    }

    deinit {
        swift_uregex_close(regex)
        deadline.deallocate()
        empty.deallocate()
    }

    /// The first match in `text` (UTF-16 code units), or `.timedOut` when the match was still running at `deadline`.
    func firstMatch(in text: UnsafeBufferPointer<UInt16>, deadline limit: UInt64) -> Outcome {
        guard DispatchTime.now().uptimeNanoseconds < limit, text.count <= Int(Int32.max) else { return .timedOut }
        deadline.pointee = limit
        var status = U_ZERO_ERROR
        swift_uregex_setText(regex, text.count > 0 ? text.baseAddress : UnsafePointer(empty), Int32(text.count), &status)
        defer {
            // The matcher must not keep a pointer to text that is about to go away.
            var reset = U_ZERO_ERROR
            swift_uregex_setText(regex, empty, 0, &reset)
        }
        guard status.rawValue <= U_ZERO_ERROR.rawValue else { return .none }
        let found = swift_uregex_find(regex, 0, &status)
        if status == U_REGEX_STOPPED_BY_CALLER || status == U_REGEX_TIME_OUT { return .timedOut }
        guard found != 0, status.rawValue <= U_ZERO_ERROR.rawValue else { return .none }
        let start = swift_uregex_start(regex, 0, &status)
        return status.rawValue <= U_ZERO_ERROR.rawValue && start >= 0 ? .found(Int(start)) : .none
    }

    /// Where the matcher's text points between searches: one unit that lives as long as the matcher.
    private let empty: UnsafeMutablePointer<UInt16> = {
        let storage = UnsafeMutablePointer<UInt16>.allocate(capacity: 1)
        storage.initialize(to: 0)
        return storage
    }()
}
