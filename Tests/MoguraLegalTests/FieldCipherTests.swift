import Foundation
import MoguraLegal
import Testing

/// Subscriber fields encrypted at rest: bound to their field, keys from a keyring with rotation, masks for display.
@Suite("Legal: encrypted subscriber fields")
struct FieldCipherTests {
    let old = FieldCipher.newKeyLine(id: "k2025")
    let new = FieldCipher.newKeyLine(id: "k2026")

    @Test func fieldsRoundTripAndDoNotOpenElsewhere() throws {
        let cipher = try FieldCipher(keyring: old)
        let sealed = try cipher.seal("山田 太郎", field: "name")
        #expect(sealed.hasPrefix("v1:k2025:") && !sealed.contains("山田"))
        #expect(try cipher.open(sealed, field: "name") == "山田 太郎")
        #expect(try cipher.seal("山田 太郎", field: "name") != sealed, "a fresh nonce each time")
        #expect(throws: LegalError.self) { try cipher.open(sealed, field: "address") }
        var damaged = Array(sealed)
        damaged[damaged.count - 5] = damaged[damaged.count - 5] == "A" ? "B" : "A"
        #expect(throws: LegalError.self) { try cipher.open(String(damaged), field: "name") }
        #expect(throws: LegalError.self) { try cipher.open("山田 太郎", field: "name") }
    }

    @Test func rotationPutsANewKeyFirstAndReencrypts() throws {
        let before = try FieldCipher(keyring: old)
        let sealed = try before.seal("東京都千代田区千代田1-1", field: "address")
        let during = try FieldCipher(keyring: "\(new)\n# the old key stays until every value is re-encrypted\n\(old)")
        #expect(try during.open(sealed, field: "address") == "東京都千代田区千代田1-1")
        let rotated = try during.reencrypt(sealed, field: "address")
        #expect(rotated.hasPrefix("v1:k2026:"))
        #expect(try during.reencrypt(rotated, field: "address") == rotated)
        let after = try FieldCipher(keyring: new)
        #expect(try after.open(rotated, field: "address") == "東京都千代田区千代田1-1")
        #expect(throws: LegalError("the value was encrypted with key k2025, which is not in the keyring")) {
            try after.open(sealed, field: "address")
        }
    }

    @Test func keyringsAreCheckedAndReadFromTheEnvironment() throws {
        #expect(throws: LegalError.self) { try FieldCipher(keyring: "k=c2hvcnQ=") }
        #expect(throws: LegalError.self) { try FieldCipher(keyring: "\(old)\n\(old)") }
        #expect(throws: LegalError.self) { try FieldCipher(keyring: "# none") }
        #expect(throws: LegalError.self) { try FieldCipher.fromEnvironment([:]) }
        let cipher = try FieldCipher.fromEnvironment(["MOGURA_LEGAL_KEYS": "\(new);\(old)"])
        #expect(cipher.keys.map(\.id) == ["k2026", "k2025"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mogura-keys-\(UInt32.random(in: 0...UInt32.max))").path
        try "\(old)\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try FieldCipher.fromEnvironment(["MOGURA_LEGAL_KEYS_FILE": file]).keys.map(\.id) == ["k2025"])
    }

    @Test func masksShowLittle() {
        #expect(PersonalDataMask.mask("山田 太郎", field: "name") == "山＊ 太＊")
        #expect(PersonalDataMask.mask("taro@example.jp", field: "email") == "t＊＊＊@example.jp")
        #expect(PersonalDataMask.mask("090-1234-5678", field: "phone") == "＊＊＊-＊＊＊＊-5678")
        #expect(PersonalDataMask.mask("東京都千代田区千代田1-1", field: "address") == "東京都＊＊＊＊＊＊＊＊")
    }
}
