import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
@testable import GalleyGateway
import GalleyTestSupport

/// The login limits a drop-in ships with: with the default settings a population behind
/// one address (a proxy, a NAT) logs in freely, while one device hammering is 429000.
/// Empty values count as unset, so "" restores a default the harness overrides.
@Suite(.serialized, .gateway(redisDatabase: 7, environment: [
    "RATE_LIMIT_LOGIN_PER_MINUTE": "", "RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE": "", "HTTP_THREADS": "4",
]))
struct GatewayLoginLimitsTests {
    @Test func aThousandDevicesBehindOneAddressAllLogIn() async throws {
        let gateway = try GatewayProcess.shared
        let run = TestEnvironment.uniqueName("nat")
        let started = Date()
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for lane in 0..<8 {
                group.addTask {
                    var seen: [Int] = []
                    for index in stride(from: lane, to: 1000, by: 8) {
                        seen.append(try await gateway.post("/api/v1/auth/login", json: ["device_id": .string("\(run)-\(index)")]).status)
                    }
                    return seen
                }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(statuses.count == 1000)
        #expect(statuses.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        #expect(elapsed < 60, "1000 logins took \(elapsed) s, more than the one-minute window")
    }

    @Test func oneDeviceIsLimitedAtItsSixtyFirstLoginInAMinute() async throws {
        let gateway = try GatewayProcess.shared
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 40 { try await Task.sleep(for: .seconds(61 - second)) }
        let device = TestEnvironment.uniqueName("hammer")
        var statuses: [Int] = []
        var last: GatewayHTTPResponse?
        for _ in 0..<61 {
            let response = try await gateway.post("/api/v1/auth/login", json: ["device_id": .string(device)])
            statuses.append(response.status)
            last = response
        }
        #expect(Array(statuses.prefix(60)) == Array(repeating: 200, count: 60))
        let refused = try #require(last)
        #expect(refused.status == 429 && refused.code == 429000 && refused.message == "Too many requests")
        let retry = try #require(refused.header("Retry-After").flatMap(Int.init))
        #expect(retry >= 1 && retry <= 60)
        // Another device from the same address is not held back by it.
        #expect(try await gateway.post("/api/v1/auth/login", json: ["device_id": .string(device + "-other")]).status == 200)
    }
}

/// `FORWARDED_ALLOW_IPS`: behind a trusted proxy the per-address cap applies to the
/// client `X-Forwarded-For` names; from an untrusted peer the header is ignored.
@Suite(.serialized)
struct GatewayForwardedForTests {
    private func logins(_ gateway: GatewayProcess, forwardedFor: String, count: Int) async throws -> [Int] {
        var statuses: [Int] = []
        for _ in 0..<count {
            statuses.append(try await gateway.request(
                "POST", "/api/v1/auth/login", json: ["device_id": .string(TestEnvironment.uniqueName("xff"))],
                headers: [("X-Forwarded-For", forwardedFor)]).status)
        }
        return statuses
    }

    private func waitForRoomInTheMinute() async throws {
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 50 { try await Task.sleep(for: .seconds(61 - second)) }
    }

    @Test func aTrustedPeerNamesTheClient() async throws {
        // The default trusts 127.0.0.1, the test's own address.
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 8, environment: [
            "RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE": "3",
        ]))
        do {
            try await waitForRoomInTheMinute()
            #expect(try await logins(gateway, forwardedFor: "203.0.113.7", count: 4) == [200, 200, 200, 429])
            // The rightmost untrusted address counts: a client cannot pick a fresh one on the left.
            #expect(try await logins(gateway, forwardedFor: "198.51.100.1, 203.0.113.7", count: 1) == [429])
            #expect(try await logins(gateway, forwardedFor: "203.0.113.8", count: 3) == [200, 200, 200])
        } catch {
            Issue.record("failed: \(error)")
        }
        await gateway.tearDown()
    }

    @Test func anUntrustedPeerCannotChooseItsAddress() async throws {
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 8, environment: [
            "RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE": "3", "FORWARDED_ALLOW_IPS": "10.0.0.0/8",
        ]))
        do {
            try await waitForRoomInTheMinute()
            #expect(try await logins(gateway, forwardedFor: "203.0.113.9", count: 3) == [200, 200, 200])
            #expect(try await logins(gateway, forwardedFor: "203.0.113.10", count: 1) == [429])
        } catch {
            Issue.record("failed: \(error)")
        }
        await gateway.tearDown()
    }
}
