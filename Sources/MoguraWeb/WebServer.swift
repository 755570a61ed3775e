import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import MoguraCore
public import MoguraDesk
public import MoguraIntake
public import MoguraLegal
import MoguraResolve
public import MoguraStore
import NIOCore
public import ServiceLifecycle

/// Per-request state: who is asking, from where, and the posted form once checked.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address (for rate limits and the audit chain).
    public let remoteAddress: String
    /// The logged-in staff member (desk pages) or the token's owner (API).
    var staff: StaffUser?
    /// The SHA-256 of the session cookie, for CSRF tokens and logout.
    var sessionHash: String?
    /// An API token's scopes.
    var scopes: Set<APIScope> = []
    /// A posted form whose CSRF token was checked.
    var form: FormData?
    /// The UI language for this request.
    var language: Language = .english

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Evidence files on the report form may be this large.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }
}

/// Mogura's web server: the desk UI, the customer portal, the public report form, the JSON API, `/metrics` and
/// health checks (Hummingbird 2).
///
/// ```swift
/// let web = try await WebServer(store: store, configuration: configuration, intake: Intake(), logger: logger)
/// let group = ServiceGroup(services: [web.service(onListening: { print("listening on \($0)") })], logger: logger)
/// ```
public struct WebServer: Sendable {
    let store: any Store
    let settings: WebSettings
    let desk: CaseDesk
    let correlator: Correlator
    let ingest: IngestPipeline
    let inventory: InventoryCache
    let signer: MessageSigner
    let portalLinks: PortalLinks
    let clock: any DeskClock
    let logger: Logger
    let metrics: WebMetrics
    let zone: TimeZone
    let loginFailuresByAccount: RateLimiter
    let loginFailuresByAddress: RateLimiter
    let formPosts: RateLimiter
    /// The legal track's operations (nil when the store does not keep legal records).
    let legal: LegalDesk?

    /// Prepares the server; reads (or creates) the signing key in the store.
    /// - Parameters:
    ///   - store: a migrated store.
    ///   - configuration: the desk configuration (`web:` settings, playbooks, notice addresses).
    ///   - intake: how the report form's submissions are read.
    ///   - clock: the desk's clock (tests inject one).
    ///   - legalCipher: the key for subscriber data on the legal track (default: `MOGURA_LEGAL_KEYS_FILE` or
    ///     `MOGURA_LEGAL_KEYS`; without one, subscriber data cannot be stored or revealed).
    public init(
        store: any Store, configuration: DeskConfiguration, intake: Intake, clock: any DeskClock = SystemClock(), logger: Logger,
        legalCipher: FieldCipher? = try? FieldCipher.fromEnvironment()
    ) async throws {
        self.store = store
        self.settings = configuration.web
        self.desk = CaseDesk(store: store, playbooks: configuration.playbooks, maxAttempts: configuration.workers.maxAttempts)
        self.inventory = InventoryCache(store: store)
        self.correlator = Correlator(
            store: store, inventory: inventory, policy: configuration.correlation, playbooks: configuration.playbooks,
            planner: Planner(maxAttempts: configuration.workers.maxAttempts), ownAddresses: [configuration.notices.fromAddress])
        self.ingest = IngestPipeline(intake: intake, store: store, actor: "web-form")
        let secret = try await store.setting(PortalLinks.keySetting, orCreate: { PortalLinks.makeSecret() })
        self.signer = MessageSigner(secret: secret)
        self.portalLinks = PortalLinks(secret: secret, base: configuration.web.publicURL, lifetime: configuration.web.portalLinkLifetime)
        self.clock = clock
        self.logger = logger
        self.metrics = WebMetrics(store: store)
        self.zone = TimeZone(identifier: configuration.web.timeZone) ?? .gmt
        self.loginFailuresByAccount = RateLimiter(limit: settings.loginAttempts, windowSeconds: settings.loginWindow)
        self.loginFailuresByAddress = RateLimiter(limit: settings.loginAttempts * 4, windowSeconds: settings.loginWindow)
        self.formPosts = RateLimiter(limit: settings.formReportsPerHour, windowSeconds: 3_600)
        if let records = store as? any LegalRecordStore {
            self.legal = LegalDesk(
                store: records, calendar: try LegalCalendar.standard(),
                renderer: LegalDocumentRenderer(organization: configuration.notices.organization, contact: configuration.notices.fromAddress),
                cipher: legalCipher)
        } else {
            self.legal = nil
        }
    }

    /// The routes.
    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: metrics.middleware())
        router.add(middleware: LanguageMiddleware())
        addPublicRoutes(to: router)
        addStaffRoutes(to: router)
        addAPIRoutes(to: router)
        addLegalRoutes(to: router)
        return router
    }

    /// The server as a service for a `ServiceGroup`.
    /// - Parameter onListening: called with the port once the server listens (useful with port 0).
    public func service(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ServiceLifecycle.Service {
        let (host, port) = try Self.address(settings.listen)
        return Application(
            router: router(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Mogura"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Parses `host:port`.
    public static func address(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw StoreError("web listen address \"\(text)\": expected host:port")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    // MARK: Helpers shared by the route files

    func layout(_ context: WebContext) -> Layout {
        Layout(language: context.language, user: context.staff, csrf: context.sessionHash.map(csrfToken(session:)), zone: zone)
    }

    func csrfToken(session hash: String) -> String { signer.sign("csrf|\(hash)") }

    static func html(_ body: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body.description)))
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The same page for "no such thing" and "not yours to see": a terms-of-service agent cannot tell a legal
    /// case from a missing one.
    func notFound(_ context: WebContext) -> Response {
        let t = context.language.t
        return Self.html(
            layout(context).page(t("Not found"), "<p>\(t("The page or case does not exist, or you may not see it."))</p>"),
            status: .notFound)
    }

    func refusedForm(_ context: WebContext) -> Response {
        let t = context.language.t
        return Self.html(
            layout(context).page(
                t("Refused"), "<p class=\"error\">\(t("The form was refused (missing or wrong security token). Reload the page and try again."))</p>"),
            status: .forbidden)
    }

    func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: "mogura_session", value: value, maxAge: maxAge, path: "/", secure: settings.cookiesAreSecure, httpOnly: true,
            sameSite: .lax)
    }
}

/// Headers every response carries: no inline script, no framing, no MIME sniffing, no referrer leaking a portal
/// link's signature, no caching of pages with personal data.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if let name = HTTPField.Name("X-Frame-Options") { response.headers[name] = "DENY" }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Chooses the language from `?lang=`, else `Accept-Language`; `StaffAuthMiddleware` then applies a staff
/// member's own setting.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var context = context
        if let forced = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) {
            context.language = forced
        } else {
            context.language = Language.preferred(acceptLanguage: request.headers[.acceptLanguage])
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
