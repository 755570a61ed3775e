import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Posts the action as signed JSON to a URL of the provider's (docs/connectors.md).
///
/// Headers: `Content-Type: application/json`, `Idempotency-Key` (the action's key, the same on every attempt),
/// `X-Mogura-Event`, `X-Mogura-Timestamp` (Unix seconds) and `X-Mogura-Signature: sha256=<hex>`, the
/// HMAC-SHA256 of `timestamp + "." + body` under the shared secret. A 2xx answer is success; 408, 425, 429 and
/// 5xx answers, timeouts and connection errors are retried; other 4xx answers fail the action at once.
public struct WebhookConnector: ActionConnector {
    public var url: String
    public var secret: String
    public var timeout: Int64
    public var headers: [String: String]
    let client: HTTPClient

    /// Creates a connector using the shared HTTP client.
    public init(url: String, secret: String, timeout: Int64, headers: [String: String] = [:]) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.headers = headers
        self.client = .shared
    }

    /// The signature header value for a body sent at `timestamp`.
    public static func signature(body: [UInt8], timestamp: String, secret: String) -> String {
        var message = Array(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message += body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    public func perform(_ event: ActionEvent) async throws -> String {
        let body = event.json()
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "User-Agent", value: "mogura")
        request.headers.replaceOrAdd(name: "Idempotency-Key", value: event.idempotencyKey)
        request.headers.replaceOrAdd(name: "X-Mogura-Event", value: event.event)
        request.headers.replaceOrAdd(name: "X-Mogura-Timestamp", value: timestamp)
        request.headers.replaceOrAdd(name: "X-Mogura-Signature", value: Self.signature(body: body, timestamp: timestamp, secret: secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(timeout))
        } catch {
            throw ConnectorError("POST \(url): \(error)")
        }
        let answer = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
        let firstLine = answer.split(whereSeparator: \.isNewline).first.map { String($0.prefix(200)) } ?? ""
        let status = response.status.code
        switch status {
        case 200..<300:
            return "HTTP \(status)" + (firstLine.isEmpty ? "" : ": \(firstLine)")
        case 408, 425, 429, 500..<600:
            throw ConnectorError("POST \(url): HTTP \(status) \(firstLine)")
        default:
            throw ConnectorError("POST \(url): HTTP \(status) \(firstLine)", permanent: true)
        }
    }
}
