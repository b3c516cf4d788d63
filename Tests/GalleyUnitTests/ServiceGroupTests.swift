import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
import GalleyTestSupport

/// What happened to the test services, in order.
private final class Journal: Sendable {
    private let entries = Mutex<[String]>([])
    func record(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

/// Runs until asked to stop (gracefully, or by cancellation when `graceful` is false).
private struct RecordingService: Service {
    let name: String
    let journal: Journal
    var graceful = true
    var stopDelay: Duration = .zero
    let latch = ShutdownLatch()

    func run() async throws {
        journal.record("start \(name)")
        if graceful {
            await latch.wait()
            try? await Task.sleep(for: stopDelay)
        } else {
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        }
        journal.record("stop \(name)")
    }

    func beginShutdown() -> Bool {
        guard graceful else { return false }
        latch.trigger()
        return true
    }
}

/// Says it will stop, then neither stops nor notices cancellation.
private struct StuckService: Service {
    var name: String { "stuck" }
    func run() async throws {
        try await onOwnThread("stuck") { Thread.sleep(forTimeInterval: 30) }
    }
    func beginShutdown() -> Bool { true }
}

@Suite struct ServiceGroupTests {
    private func group(deadline: Duration = .seconds(5)) -> ServiceGroup {
        ServiceGroup(shutdownDeadline: deadline, cancellationGrace: .milliseconds(300), watchesSignals: false)
    }

    @Test func stopsInReverseOrderOneAtATime() async {
        let journal = Journal()
        let group = group()
        let services = ["status", "keeper", "consumer"].map { RecordingService(name: $0, journal: journal, stopDelay: .milliseconds(20)) }
        let stopper = Task {
            while journal.all.count < 3 { try? await Task.sleep(for: .milliseconds(5)) }
            #expect(!group.isStopping)
            group.triggerShutdown(reason: "test")
        }
        let code = await group.run(services)
        await stopper.value
        #expect(code == .success)
        #expect(Set(journal.all.prefix(3)) == ["start status", "start keeper", "start consumer"])
        #expect(Array(journal.all.dropFirst(3)) == ["stop consumer", "stop keeper", "stop status"])
        #expect(group.isStopping)
    }

    @Test func aFailingServiceStopsTheGroupWithItsExitCode() async {
        let journal = Journal()
        let group = group()
        let failing = ClosureService("failing") {
            try await Task.sleep(for: .milliseconds(50))
            throw ProcessFailure(.temporaryFailure, "node id taken over")
        }
        let services: [any Service] = [
            RecordingService(name: "a", journal: journal),
            failing,
            RecordingService(name: "b", journal: journal, graceful: false),
        ]
        let code = await group.run(services)
        #expect(code == .temporaryFailure)
        #expect(group.failure?.description == "node id taken over")
        #expect(journal.all.contains("stop a") && journal.all.contains("stop b"))
    }

    @Test func anUnexpectedErrorIsAnInternalFailure() async {
        struct Boom: Error {}
        let group = group()
        let code = await group.run([ClosureService("boom") { throw Boom() }])
        #expect(code == .software)
    }

    @Test func aOneShotServiceThatFinishesStopsTheRestWithSuccess() async {
        let journal = Journal()
        let group = group()
        let code = await group.run([RecordingService(name: "status", journal: journal), ClosureService("replay") {}])
        #expect(code == .success)
        #expect(journal.all == ["start status", "stop status"])
    }

    @Test func theDeadlineCancelsAndThenGivesUpOnAStuckService() async {
        let journal = Journal()
        let group = group(deadline: .milliseconds(200))
        let started = ContinuousClock.now
        group.triggerShutdown(.temporaryFailure, reason: "before start")
        let code = await group.run([RecordingService(name: "a", journal: journal, graceful: false), StuckService()])
        let elapsed = ContinuousClock.now - started
        #expect(code == .temporaryFailure)
        // 200 ms deadline + 300 ms grace. The stuck service sleeps 30 s so that a parallel
        // run on a loaded 2-core machine (timers late by seconds) still shows the group gave up.
        #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(15), "took \(elapsed)")
        #expect(journal.all.contains("stop a"))
    }

    @Test func anEmptyGroupReturnsAtOnce() async {
        #expect(await group().run([]) == .success)
    }
}
