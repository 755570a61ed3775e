import CompressNIO
import Foundation
import MoguraScan
import MoguraTesting
import NIOCore
import Testing

@Suite("Scanner: literal matcher and decoders")
struct MatcherAndDecoderTests {
    /// The automaton against a naive search, on random patterns over a small alphabet (so they overlap and nest).
    @Test func theMatcherFindsWhatANaiveSearchFinds() {
        var random = SeededRandom.fromEnvironment(fallback: 0x5343_414E)
        let alphabet = Array("abAB(\\$_x".utf8)
        for _ in 0..<300 {
            let patterns = (0..<(1 + Int(random.next() % 12))).map { _ in
                (0..<(1 + Int(random.next() % 5))).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            }
            let text = (0..<Int(random.next() % 400)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let found = LiteralMatcher(patterns).firstOccurrences(in: text)
            func fold(_ bytes: [UInt8]) -> [UInt8] { bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
            let folded = fold(text)
            for (index, pattern) in patterns.enumerated() {
                let needle = fold(pattern)
                var expected = -1
                if needle.count <= folded.count {
                    for start in 0...(folded.count - needle.count) where Array(folded[start..<(start + needle.count)]) == needle {
                        expected = start + needle.count - 1
                        break
                    }
                }
                #expect(found[index] == expected, "pattern \(String(decoding: pattern, as: UTF8.self)) in \(String(decoding: text, as: UTF8.self))")
            }
        }
    }

    @Test func eachDecoderIsUndoneAndChainsInnermostFirst() throws {
        func layers(_ text: String) -> [ScanDecoders.Layer] { ScanDecoders.layers(of: Array(text.utf8)) }
        func decoded(_ text: String) -> [String] { layers(text).map { String(decoding: $0.bytes, as: UTF8.self) } }
        #expect(decoded("<?php eval(base64_decode('ZWNobyAiaGkiOw=='));") == ["echo \"hi\";"])
        #expect(layers("<?php eval(base64_decode('ZWNobyAiaGkiOw=='));").first?.steps == ["base64_decode"])
        #expect(decoded("eval(str_rot13('rpub \"uv\";'));") == ["echo \"hi\";"])
        #expect(decoded("eval(strrev(';)(ofniphp'));") == ["phpinfo();"])
        #expect(decoded("$a = hex2bin('6563686f202268692227');") == ["echo \"hi\"'"])
        #expect(decoded("$f = \"\\x65\\x76\\x61\\x6c\\x28\\x24\\x5f\\x50\\x4f\\x53\\x54\";") == ["eval($_POST"])
        #expect(decoded("$f = \"\\145\\166\\141\\154\\050\\044\\137\\107\\105\\124\";") == ["eval($_GET"])
        #expect(decoded("$f = chr(101).chr(118) . chr(97).chr(108);") == ["eval"])
        // gzinflate(base64_decode(…)): PHP's gzdeflate is raw deflate.
        let chain = layers("<?php eval(gzinflate(base64_decode('S03OyFdQyshUslbQ11fIzMvJzEsFAA==')));")
        #expect(chain.first?.steps == ["base64_decode", "gzinflate"])
        #expect(chain.first.map { String(decoding: $0.bytes, as: UTF8.self) } == "echo \"hi\"; // inline")
        // A long base64 literal kept for later.
        let payload = String(repeating: "echo 'a harmless line of PHP'; ", count: 10)
        let literal = "$x = '\(Data(payload.utf8).base64EncodedString())'; eval(base64_decode($x));"
        #expect(layers(literal).first?.steps == ["base64 literal"])
        #expect(decoded(literal).first == payload)
        // Names assembled from pieces.
        #expect(ScanDecoders.splitNames(in: Array("$f = 'ev'.'al'; $g = \"sys\" . \"tem\";".utf8)).map(\.name) == ["eval", "system"])
        #expect(ScanDecoders.splitNames(in: Array("echo 'Hello' . ' world'; $a = 'ev' . $x;".utf8)).isEmpty)
        // Not encodings: plain text in quotes, a short escape run, two chr() calls.
        #expect(layers("echo 'hello world, how are you';").isEmpty)
        #expect(layers("$s = \"a\\x41b\\n\";").isEmpty)
        #expect(layers("chr(65).chr(66)").isEmpty)
    }

    /// Random and mutated inputs: the decoders never crash, and no layer exceeds its limit.
    @Test func decodersSurviveHostileBytesWithBoundedOutput() throws {
        var random = SeededRandom.fromEnvironment(fallback: 0x4445_434F)
        let seeds = [
            "<?php eval(gzinflate(base64_decode('S03OyFdQyshUslbQ11fIzMvJzEsFAA==')));", "$f = \"\\x65\\x76\\x61\\x6c\\x28\\x24\\x5f\\x50\";",
            "chr(101).chr(118).chr(97).chr(108).chr(40)", "eval(str_rot13(strrev(base64_decode(gzuncompress('eJzLSM3JyQcABiwCFQ==')))))",
        ].map { Array($0.utf8) }
        let limit = 4_096
        for round in 0..<5_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = seeds[round / 2 % seeds.count]
                for _ in 0..<(1 + Int(random.next() % 6)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            } else {
                bytes = (0..<Int(random.next() % 600)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            for layer in ScanDecoders.layers(of: bytes, limit: limit, maximumLayers: 16) {
                #expect(layer.bytes.count <= limit + 4)
            }
        }
        // A decompression bomb stops at the limit: 64 MiB of zeros deflated.
        let zeros = [UInt8](repeating: 0x41, count: 64 << 20)
        var input = ByteBuffer(bytes: zeros)
        let bomb = try #require(try? input.compress(with: .deflate()))
        let text = Array("eval(gzinflate(base64_decode('\(Data(bomb.readableBytesView).base64EncodedString())')));".utf8)
        #expect(text.count < 1 << 20, "the bomb is small")
        let layers = ScanDecoders.layers(of: text, limit: 1 << 20)
        #expect(layers.allSatisfy { $0.bytes.count <= 1 << 20 }, "a bomb is cut at the limit or refused")
    }
}
