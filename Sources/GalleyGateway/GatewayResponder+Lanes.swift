import Synchronization
import GalleyCore
import GalleyPostgres
package import GalleyHTTP

/// Short reads (`Route.lane`: balance, profile, subscription status, known-device login,
/// refresh) answered on libmicrohttpd's own thread with that thread's database session,
/// saving two thread hand-offs per request; same answer, byte for byte, as a handler
/// thread gives. Bounded: a lane blocks only on its own session (free by construction,
/// else the request goes to a handler thread) for at most its `statement_timeout` (1 s;
/// then, or when the session is lost, the read is answered again on a handler thread),
/// and a lane read slower than ``LaneGate/slowRead`` sends every lane request to the
/// handler threads for ``LaneGate/pause``, so a slow PostgreSQL or Redis stalls no more
/// than the reads already under way on libmicrohttpd's threads.
extension GatewayResponder {
    /// Larger bodies are parsed on a handler thread: a login's is ~40 bytes, while a 1 MiB
    /// JSON of 90 000 keys (chaos row h) would hold the lane's other connections for its parse.
    static let laneBodyLimit = 1024

    package func respondInline(to request: HTTPRequest, lane: Int) -> HTTPResponse? {
        guard request.body.count <= GatewayResponder.laneBodyLimit, request.formParts.isEmpty,
              router.laneRoute(method: request.method, path: request.path) != nil else { return nil }
        guard laneGate.isOpen() else {
            laneGate.handedOff.increment()
            return nil
        }
        let started = ContinuousClock.now
        let response = services.lanes.withConnection(lane: lane) { connection in
            respond(to: request, lane: lane, laneConnection: connection)
        } ?? nil
        laneGate.record(ContinuousClock.now - started)
        (response == nil ? laneGate.handedOff : laneGate.answered).increment()
        return response
    }
}

/// A handler that needs more than the lane allows (a first login writes) asks for a
/// handler thread; the request is then answered there from the start.
struct LaneFallback: Error {}

extension PostgresError {
    /// A lane read cut by the lane's `statement_timeout` (57014) or by a lost session is
    /// answered again on a handler thread, which waits as long as the pool's sessions do.
    var handsOverFromLane: Bool { sqlState == "57014" || isConnectionError }
}

/// The breaker in front of the lanes: open unless a lane read was slow within ``pause``.
final class LaneGate: Sendable {
    /// A lane read this slow means a dependency is struggling: leave the waiting to handler
    /// threads. Well above a loaded machine's scheduling delays (a read's p99 reached 400 ms
    /// on a 2-core machine at load 20), which would otherwise close the gate for nothing.
    static let slowRead = Duration.milliseconds(500)
    static let pause = Duration.seconds(1)

    /// Lane-route requests answered on libmicrohttpd's thread, and those sent to a handler thread.
    let answered: Counter
    let handedOff: Counter
    private let origin = ContinuousClock.now
    /// Nanoseconds since `origin` before which no request goes on a lane.
    private let closedUntil = Atomic<Int64>(0)

    init(registry: MetricsRegistry = .shared) {
        let help = "Short reads answered on libmicrohttpd's thread (lane) or sent to a handler thread (handler)."
        answered = registry.counter("galley_http_lane_requests_total", help: help, labels: [("answered_on", "lane")])
        handedOff = registry.counter("galley_http_lane_requests_total", help: help, labels: [("answered_on", "handler")])
    }

    func isOpen() -> Bool { nanoseconds(ContinuousClock.now) >= closedUntil.load(ordering: .relaxed) }

    func record(_ elapsed: Duration) {
        guard elapsed > LaneGate.slowRead else { return }
        closedUntil.store(nanoseconds(ContinuousClock.now.advanced(by: LaneGate.pause)), ordering: .relaxed)
    }

    private func nanoseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = (instant - origin).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
