import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
import GalleyTestSupport

@Suite struct RedisConnectionTests {
    @Test func binaryValuesRoundTrip() throws {
        let connection = try RedisConnection.testStack()
        let key = TestEnvironment.uniqueName("redis:bin") + " \r\n key"
        let value: [UInt8] = [0x00, 0x41, 0x0D, 0x0A, 0x00, 0xFF, 0xFE, 0x24, 0x2A, 0x0D, 0x0A, 0x00]
        defer { _ = try? connection.del(key) }
        #expect(try connection.set(key, .bytes(value), expireSeconds: 60))
        #expect(try connection.getBytes(key) == value)
        #expect(try connection.command("STRLEN", .string(key)) == .integer(Int64(value.count)))

        #expect(try connection.set(key, .bytes([])))
        #expect(try connection.getBytes(key) == [])
        #expect(try connection.get(TestEnvironment.uniqueName("redis:missing")) == nil)
    }

    @Test func pipelineOfHundredIncrs() throws {
        let connection = try RedisConnection.testStack()
        let key = TestEnvironment.uniqueName("redis:incr")
        defer { _ = try? connection.del(key) }
        let replies = try connection.pipeline(Array(repeating: ["INCR", .string(key)], count: 100))
        #expect(replies == (1...100).map { RedisValue.integer(Int64($0)) })
        #expect(try connection.incr(key) == 101)
    }

    @Test func serverErrorKeepsDataOutOfDescription() throws {
        let connection = try RedisConnection.testStack()
        let key = TestEnvironment.uniqueName("redis:secret")
        defer { _ = try? connection.del(key) }
        try connection.set(key, "top-secret-value")

        let reply = try connection.command("INCR", .string(key))
        guard case .error(let message) = reply else {
            Issue.record("expected an error reply, got \(reply)")
            return
        }
        #expect(message.contains("not an integer"))

        do {
            _ = try connection.checkedCommand(["INCR", .string(key)])
            Issue.record("INCR on a string must throw")
        } catch let error as RedisError {
            #expect(error == .server)
            #expect(error.serverCode == "ERR")
            #expect(!error.description.contains("integer"))
            #expect(!error.description.contains(key))
            #expect(!error.description.contains("top-secret"))
            #expect(error.debugDescription.contains("not an integer"))
        }

        // One failing command in a pipeline leaves the others' replies intact.
        let replies = try connection.pipeline([["INCR", .string(key)], ["GET", .string(key)], ["PING"]])
        #expect(replies.count == 3)
        if case .error = replies[0] {} else { Issue.record("first reply should be an error") }
        #expect(replies[1].stringValue == "top-secret-value")
        #expect(replies[2] == .status("PONG"))
        #expect(!connection.isBroken)
    }

    @Test func argumentLiteralsAndIntegers() throws {
        let connection = try RedisConnection.testStack()
        let key = TestEnvironment.uniqueName("redis:int")
        defer { _ = try? connection.del(key) }
        #expect(try connection.command(["SET", .string(key), -42]) == .status("OK"))
        #expect(try connection.get(key) == "-42")
        #expect(try connection.command(["INCRBY", .string(key), RedisArgument(Int(2))]) == .integer(-40))
        #expect(try connection.expire(key, seconds: 100))
        #expect(try connection.pexpire(key, milliseconds: 100_000))
        // The missing key shares `key`'s slot (hash tag), so the one DEL also runs on a Cluster.
        #expect(try connection.del(key, "{\(key)}:none") == 1)
        #expect(try connection.set(key, "a", expireMilliseconds: 10_000, onlyIfAbsent: true))
        #expect(try connection.set(key, "b", onlyIfAbsent: true) == false)
        #expect(try connection.get(key) == "a")
    }

    @Test func evalPassesKeysAndArguments() throws {
        let connection = try RedisConnection.testStack()
        let key = TestEnvironment.uniqueName("redis:eval")
        defer { _ = try? connection.del(key) }
        let script = "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('STRLEN', KEYS[1])"
        #expect(try connection.eval(script, keys: [key], args: [.bytes([0, 1, 2])]) == .integer(3))
        #expect(throws: RedisError.server) { try connection.eval("return redis.call('NOPE')") }
    }

    @Test func refusedConnectionFailsWithoutDetailsInDescription() {
        var configuration = RedisConfiguration.testStack()
        configuration.port = 1
        configuration.sentinel = nil  // a fixed, unreachable address even when the suites run through Sentinel
        do {
            _ = try RedisConnection(configuration: configuration)
            Issue.record("connecting to port 1 must fail")
        } catch let error as RedisError {
            #expect(error == .connectionFailed)
            #expect(error.isConnectionError)
            #expect(error.description == "redis connection failed")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func wrongDatabaseIsAConnectionFailure() {
        // Set after testStack(), which ignores the database on the Cluster pass: there a
        // Cluster node refuses any SELECT, here the server refuses a database it lacks.
        var configuration = RedisConfiguration.testStack()
        configuration.database = 100_000
        #expect(throws: RedisError.connectionFailed) {
            try RedisConnection(configuration: configuration)
        }
    }

    @Test func readTimeoutBreaksTheConnection() throws {
        let key = TestEnvironment.uniqueName("redis:empty")
        let connection = try RedisConnection.testStackNode(serving: key)
        try connection.setTimeout(seconds: 0.2)
        // BLPOP waits 2 s on the server; the 0.2 s socket timeout fires first.
        #expect(throws: RedisError.connectionLost) {
            try connection.command("BLPOP", .string(key), 2)
        }
        #expect(connection.isBroken)
        // A late reply could now be mistaken for the next answer: the connection stays dead.
        #expect(throws: RedisError.connectionLost) { try connection.command("PING") }
    }

    @Test func emptyCommandIsRejected() throws {
        let connection = try RedisConnection.testStack()
        #expect(throws: RedisError.invalidArgument) { try connection.command([]) }
        #expect(throws: RedisError.invalidArgument) { try connection.pipeline([["PING"], []]) }
        #expect(try connection.pipeline([]) == [])
        #expect(!connection.isBroken)
    }
}
