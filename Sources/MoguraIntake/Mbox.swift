/// Splits an mbox stream into messages without holding the whole file: feed it chunks as they are read, take the
/// messages that are complete.
///
/// A message starts at a line beginning `From ` at the start of the file or after an empty line (mboxo/mboxrd).
/// The `From ` line itself is kept (the MIME parser skips it). A message larger than ``maximumMessageBytes`` is
/// cut there and marked, so a damaged or hostile mbox cannot exhaust memory.
public struct MboxSplitter: Sendable {
    /// One message from the mbox.
    public struct Message: Sendable {
        /// The message's bytes (at most ``MboxSplitter/maximumMessageBytes``).
        public var bytes: [UInt8]
        /// 1-based position in the mbox.
        public var number: Int
        /// The full size when the message was cut, else nil.
        public var truncatedFrom: Int?
    }

    /// The most bytes kept of one message.
    public var maximumMessageBytes: Int
    private var buffer: [UInt8] = []
    private var scanned = 0
    private var count = 0
    private var overflow = 0

    /// Creates a splitter.
    public init(maximumMessageBytes: Int = 64 * 1024 * 1024) {
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// Adds a chunk and returns the messages it completed.
    public mutating func feed(_ chunk: [UInt8]) -> [Message] {
        buffer += chunk
        var messages: [Message] = []
        // The current message starts at `messageStart`; the search for the next boundary resumes at `position`
        // (never at the message's own "From " line).
        var messageStart = 0
        var position = max(scanned, 1)
        while position < buffer.count, let newline = buffer[position...].firstIndex(of: 0x0A) {
            let next = newline + 1
            if next + 5 > buffer.count {
                // Not enough bytes yet to tell; look at this line end again when more arrive.
                position = newline
                break
            }
            let emptyLineBefore =
                newline >= 1 && (buffer[newline - 1] == 0x0A || (newline >= 2 && buffer[newline - 1] == 0x0D && buffer[newline - 2] == 0x0A))
            if emptyLineBefore && buffer[next..<next + 5].elementsEqual("From ".utf8) {
                if let message = message(buffer[messageStart..<next]) { messages.append(message) }
                messageStart = next
                position = next + 1
                continue
            }
            position = next
        }
        if position >= buffer.count { position = buffer.count }
        if messageStart > 0 {
            buffer.removeFirst(messageStart)
            position -= messageStart
        }
        scanned = max(position, 1)
        // A message that grows beyond the limit keeps its head; the rest is counted and dropped until the next
        // message starts.
        if buffer.count > maximumMessageBytes {
            let excess = buffer.count - maximumMessageBytes
            overflow += excess
            buffer.removeLast(excess)
            scanned = min(scanned, max(buffer.count - 8, 1))
        }
        return messages
    }

    /// The last message, once the input has ended.
    public mutating func finish() -> Message? {
        defer {
            buffer = []
            scanned = 0
        }
        return message(buffer[...])
    }

    private mutating func message(_ bytes: ArraySlice<UInt8>) -> Message? {
        defer { overflow = 0 }
        guard bytes.contains(where: { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 }) else { return nil }
        count += 1
        let total = bytes.count + overflow
        let kept = bytes.prefix(maximumMessageBytes)
        return Message(bytes: Array(kept), number: count, truncatedFrom: total > kept.count ? total : nil)
    }
}
