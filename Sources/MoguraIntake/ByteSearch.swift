/// Byte-string search for the hot paths of intake: `String.contains` and `range(of:)` are Unicode-aware (and
/// Foundation's converts to UTF-16), which measured here cost a large share of intake's time on plain ASCII
/// needles.
enum ByteSearch {
    /// The offset of the first occurrence of `needle` in `haystack`, or nil.
    static func firstIndex(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty ? 0 : nil }
        return needle.withUnsafeBufferPointer { pin in
            var i = 0
            let last = haystack.count - pin.count
            while i <= last {
                if haystack[i] == first {
                    var j = 1
                    while j < pin.count && haystack[i + j] == pin[j] { j += 1 }
                    if j == pin.count { return i }
                }
                i += 1
            }
            return nil
        }
    }

    /// The offset of `needle` in the UTF-8 of `text`.
    static func firstIndex(of needle: String, in text: String) -> Int? {
        var text = text
        let pin = Array(needle.utf8)
        return text.withUTF8 { firstIndex(of: pin, in: $0) }
    }

    /// Whether `text` contains `needle` (bytewise).
    static func contains(_ text: String, _ needle: String) -> Bool {
        firstIndex(of: needle, in: text) != nil
    }

    /// Whether `bytes` contain `needle`.
    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { firstIndex(of: needle, in: $0) != nil }
    }
}
