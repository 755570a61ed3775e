import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MoguraCore
import MoguraIntake
import MoguraResolve
import MoguraStore
import NIOConcurrencyHelpers
import Prometheus

/// `/metrics` in the Prometheus text format (swift-prometheus): HTTP requests by this process, and the desk's
/// state (reports in, open cases by track and category, actions by outcome, queue latency) read from the store at
/// scrape time, so every `mogura serve` process reports the same figures.
final class WebMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let store: any Store
    private let seen = NIOLockedValueBox<Set<String>>([])

    init(store: any Store) { self.store = store }

    func middleware() -> MetricsRecorder { MetricsRecorder(metrics: self) }

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "mogura", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered by this process"),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "mogura", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request duration"),
            labels: [("route", route)],
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)]
        ).recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    func scrape(now: Timestamp) async throws -> String {
        let snapshot = try await store.metricsSnapshot(now: now)
        var current = Set<String>()
        func gauge(_ name: String, _ labels: [(String, String)], _ value: Double, help: String) {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels).set(value)
            current.insert(name + "\u{1}" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{1}"))
        }
        gauge("mogura_reports", [], Double(snapshot.reports), help: "Reports stored")
        for (channel, count) in snapshot.reportsByChannel {
            gauge("mogura_reports_by_channel", [("channel", channel)], Double(count), help: "Reports stored, by channel")
        }
        gauge("mogura_reports_in_triage", [], Double(snapshot.triage), help: "Reports waiting in triage")
        for (key, count) in snapshot.openCases {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            gauge("mogura_cases_open", [("track", parts[0]), ("category", parts.count > 1 ? parts[1] : "")], Double(count), help: "Open cases")
        }
        for (key, count) in snapshot.actions {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            gauge(
                "mogura_actions", [("kind", parts[0]), ("outcome", parts.count > 1 ? parts[1] : "")], Double(count),
                help: "Actions by kind and outcome")
        }
        for (queue, seconds) in snapshot.queueLatency {
            gauge("mogura_queue_latency_seconds", [("queue", queue)], seconds, help: "How long the oldest due job has waited")
        }
        for (queue, depth) in snapshot.queueDepth {
            gauge("mogura_queue_due", [("queue", queue)], Double(depth), help: "Due jobs waiting")
        }
        // Series that vanished from the store read zero rather than their last value.
        let stale = seen.withLockedValue { previous -> Set<String> in
            let stale = previous.subtracting(current)
            previous = current.union(stale)
            return stale
        }
        for key in stale {
            let parts = key.split(separator: "\u{1}").map(String.init)
            let labels = parts.dropFirst().map { pair -> (String, String) in
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                return (kv[0], kv.count > 1 ? kv[1] : "")
            }
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: parts[0], unitName: "", helpText: ""), labels: Array(labels)).set(
                0.0)
        }
        return registry.emitToString()
    }
}

/// Counts requests by route (the route pattern, never the raw path, so ids do not explode the label set).
struct MetricsRecorder: RouterMiddleware {
    typealias Context = WebContext
    let metrics: WebMetrics

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, response.status.code, start)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, error.status.code, start)
            throw error
        } catch {
            record(request, context, 500, start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: WebContext, _ status: Int, _ start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status, seconds: seconds)
    }
}
