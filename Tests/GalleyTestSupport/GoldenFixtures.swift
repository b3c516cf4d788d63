import Foundation
import GalleyCore
import GalleyPostgres
import GalleyGateway

/// The golden recordings of `Tests/Fixtures/golden` (made from the original itself, see
/// `scripts/golden/README.md`): the cases of `replay.json` as requests to send and
/// answers to expect, and the dump `original.sql` the original left behind.
package struct GoldenFixtures: Sendable {
    package struct Case: Sendable {
        package let name: String
        package let method: String
        package let path: String
        package let headers: [(String, String)]
        /// `user_id` to mint a token for, a literal header, or neither.
        package let tokenUserID: String?
        package let authorizationHeader: String?
        package let body: [UInt8]?
        package let expected: Answer
        /// Why Galley may answer otherwise (the recording's note), nil when it must not.
        package let galleyDiffers: String?
    }

    /// A recorded (or kept) answer: status, headers to check, and a JSON or text body.
    package struct Answer: Sendable {
        package var status: Int
        package var headers: [String: String]
        package var json: JSONValue?
        package var text: String
        /// JSON paths (`data.order_no`, `data.data[0].created_at`) checked for presence and type only.
        package var volatile: Set<String>

        package init(status: Int, headers: [String: String], json: JSONValue?, text: String, volatile: Set<String>) {
            self.status = status
            self.headers = headers
            self.json = json
            self.text = text
            self.volatile = volatile
        }
    }

    package let cases: [Case]
    package let secretKey: String
    package let webhookSecret: String
    package let projectName = "AIPicAPP"

    package static var directory: URL {
        TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/golden")
    }

    package static func load() throws -> GoldenFixtures {
        let data = try Data(contentsOf: directory.appendingPathComponent("replay.json"))
        let root = try JSONParser.parse(Array(data))
        guard let metadata = root["metadata"], let secret = metadata["secret_key"]?.stringValue,
              let webhookSecret = metadata["webhook_secret"]?.stringValue, let cases = root["cases"]?.arrayValue
        else { throw GatewayHTTPClient.ClientError(description: "replay.json: no metadata or cases") }
        return GoldenFixtures(cases: try cases.map(parseCase), secretKey: secret, webhookSecret: webhookSecret)
    }

    private static func parseCase(_ value: JSONValue) throws -> Case {
        guard let name = value["name"]?.stringValue, let request = value["request"], let response = value["response"],
              let method = request["method"]?.stringValue, let path = request["path"]?.stringValue,
              let status = response["status"]?.int64Value
        else { throw GatewayHTTPClient.ClientError(description: "replay.json: a case lacks name, request or response") }
        let headers = (request["headers"]?.objectValue?.entries ?? []).compactMap { entry in
            entry.value.stringValue.map { (entry.key, $0) }
        }
        var expectedHeaders: [String: String] = [:]
        for entry in response["headers"]?.objectValue?.entries ?? [] { expectedHeaders[entry.key] = entry.value.stringValue }
        let expected = Answer(
            status: Int(status), headers: expectedHeaders,
            json: response.objectValue?["json"], text: response["body"]?.stringValue ?? "",
            volatile: Set((response["volatile"]?.arrayValue ?? []).compactMap(\.stringValue)))
        return Case(
            name: name, method: method, path: path, headers: headers,
            tokenUserID: request["auth"]?["user_id"]?.stringValue,
            authorizationHeader: request["auth"]?["header"]?.stringValue,
            body: try body(of: request), expected: expected, galleyDiffers: value["galley_differs"]?.stringValue)
    }

    /// `body` (UTF-8 text), `body_b64`, or `body_parts` (text and repeated runs).
    private static func body(of request: JSONValue) throws -> [UInt8]? {
        if let encoded = request["body_b64"]?.stringValue {
            guard let data = Data(base64Encoded: encoded) else { throw GatewayHTTPClient.ClientError(description: "bad body_b64") }
            return Array(data)
        }
        if let parts = request["body_parts"]?.arrayValue {
            var out: [UInt8] = []
            for part in parts {
                if let text = part["text"]?.stringValue {
                    out += Array(text.utf8)
                } else if let repeated = part["repeat"]?.stringValue, let count = part["count"]?.int64Value {
                    for _ in 0..<count { out += Array(repeated.utf8) }
                }
            }
            return out
        }
        return request["body"]?.stringValue.map { Array($0.utf8) }
    }

    /// Loads `original.sql` (plain SQL, column inserts) into `database` with psql, which
    /// `scripts/stack` installs; stops at the first error.
    package static func restoreDump(into database: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                             "-h", TestEnvironment.postgresHost, "-p", String(TestEnvironment.postgresPort),
                             "-U", TestEnvironment.postgresUser, "-d", database,
                             "-f", directory.appendingPathComponent("original.sql").path]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = TestEnvironment.postgresPassword
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GatewayHTTPClient.ClientError(
                description: "psql could not load original.sql (is psql on PATH?): \(String(decoding: message, as: UTF8.self))")
        }
    }
}
