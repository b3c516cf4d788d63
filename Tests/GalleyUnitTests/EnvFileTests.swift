import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
import GalleyTestSupport

/// `.env` files as the original's pydantic-settings (python-dotenv) read them, and
/// how they merge with the process environment.
@Suite struct EnvFileTests {
    @Test func dotenvSyntax() {
        let text = #"""
            # a comment
            PROJECT_NAME="AIPicAPP"
            export SECRET_KEY=kvhz # trailing comment
            SINGLE='lit${SECRET_KEY}\n'
            DOUBLE="a\tb \"q\" #not-a-comment"
              SPACED  =  value with spaces   
            HASH=abc#def
            EMPTY=
            BARE
            MULTI="line1
            line2"
            REF=${SECRET_KEY}-${MISSING:-dflt}-${FROM_ENV}
            'QUOTED_KEY'=x
            CRLF=yes
            """#.replacingOccurrences(of: "\nCRLF", with: "\r\nCRLF")
        let file = DotEnvFile(parsing: text, environment: ["FROM_ENV": "env"])
        #expect(file.skippedLines.isEmpty)
        #expect(file.values["PROJECT_NAME"] == "AIPicAPP")
        #expect(file.values["SECRET_KEY"] == "kvhz")
        #expect(file.values["SINGLE"] == #"lit${SECRET_KEY}\n"#)
        #expect(file.values["DOUBLE"] == "a\tb \"q\" #not-a-comment")
        #expect(file.values["SPACED"] == "value with spaces")
        #expect(file.values["HASH"] == "abc#def")
        #expect(file.values["EMPTY"] == "")
        #expect(file.values["BARE"] == nil)
        #expect(file.values["MULTI"] == "line1\nline2")
        #expect(file.values["REF"] == "kvhz-dflt-env")
        #expect(file.values["QUOTED_KEY"] == "x")
        #expect(file.values["CRLF"] == "yes")
    }

    @Test func aBadLineIsSkippedAndNamedByNumber() {
        let file = DotEnvFile(parsing: "A=1\nB=\"unterminated\nC two words\nD=4\n")
        // python-dotenv skips what it cannot parse; its neighbours still count.
        #expect(file.values["A"] == "1")
        #expect(file.values["D"] == "4")
        #expect(file.skippedLines == [2, 3])
    }

    @Test func theEnvironmentWinsAndEmptyMeansUnset() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let work = root + "/backend"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // The original's place (one directory up) and the working directory's own file.
        try "FROM_PARENT=p\nSHARED=parent\nSNOWFLAKE_NODE_ID=0\nPOSTGRES_SERVER=db\nPOSTGRES_USER=u\n".write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        try "SHARED=here\nBLANKED=\nPORT=9000\nBROKEN \"\nlog_level=debug\n".write(toFile: work + "/.env", atomically: true, encoding: .utf8)
        let merged = try ProcessEnvironment.merge(
            environment: ["PORT": "7000", "SNOWFLAKE_NODE_ID": "", "BLANKED": ""], workingDirectory: work)
        #expect(merged.values["FROM_PARENT"] == "p")
        #expect(merged.values["SHARED"] == "here")
        #expect(merged.values["PORT"] == "7000")
        #expect(merged.values["SNOWFLAKE_NODE_ID"] == "0")  // an empty environment value does not hide the file's
        #expect(merged.values["BLANKED"] == nil || merged.values["BLANKED"] == "")
        #expect(merged.files == [root + "/.env", work + "/.env"])
        #expect(merged.skipped.count == 1 && merged.skipped[0].0 == work + "/.env" && merged.skipped[0].1 == 4)
        let settings = try Settings.load(from: merged.values)
        #expect(settings.http.port == 7000 && settings.snowflakeNodeID == 0)
        #expect(settings.logLevel == .debug)  // names match case-insensitively, as pydantic-settings did
    }

    @Test func envFileNamesTheOnlyFile() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "A=cwd\n".write(toFile: root + "/.env", atomically: true, encoding: .utf8)
        try "A=named\n".write(toFile: root + "/galley.env", atomically: true, encoding: .utf8)
        let named = try ProcessEnvironment.merge(environment: ["ENV_FILE": "galley.env"], workingDirectory: root)
        #expect(named.values["A"] == "named" && named.files == [root + "/galley.env"])
        let none = try ProcessEnvironment.merge(environment: ["ENV_FILE": "/dev/null"], workingDirectory: root)
        #expect(none.values["A"] == nil)
        #expect(throws: ConfigurationError.self) {
            try ProcessEnvironment.merge(environment: ["ENV_FILE": root + "/missing.env"], workingDirectory: root)
        }
        do {
            _ = try ProcessEnvironment.merge(environment: ["ENV_FILE": root + "/missing.env"], workingDirectory: root)
        } catch {
            #expect(error.description.contains("ENV_FILE"))
        }
    }

    @Test func forwardedAllowIPsAsUvicornReadsThem() {
        let list = ForwardedAllowList(parsing: "127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8")
        #expect(list.trusts("127.0.0.1") && list.trusts("10.1.2.3") && list.trusts("::1") && list.trusts("fd12::5"))
        #expect(list.trusts("::ffff:10.9.9.9"))
        #expect(!list.trusts("127.0.0.2") && !list.trusts("11.0.0.1") && !list.trusts("fe80::1") && !list.trusts("junk"))
        // Untrusted peer: the header is ignored.
        #expect(list.clientAddress(peer: "198.51.100.9", forwardedFor: "1.2.3.4") == "198.51.100.9")
        // Trusted peer: the rightmost address no trusted proxy added.
        #expect(list.clientAddress(peer: "10.0.0.5", forwardedFor: "1.2.3.4, 203.0.113.1, 10.0.0.7") == "203.0.113.1")
        #expect(list.clientAddress(peer: "10.0.0.5", forwardedFor: "10.0.0.9, 10.0.0.7") == "10.0.0.9")
        #expect(list.clientAddress(peer: "10.0.0.5", forwardedFor: nil) == "10.0.0.5")
        #expect(ForwardedAllowList.default.clientAddress(peer: "127.0.0.1", forwardedFor: "203.0.113.1") == "203.0.113.1")
        // `*`: any peer, and the leftmost address (uvicorn's rule).
        #expect(ForwardedAllowList(parsing: "*").clientAddress(peer: "8.8.8.8", forwardedFor: "1.1.1.1, 2.2.2.2") == "1.1.1.1")
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("envfile")).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
