import CCrypto
import GalleyCore

/// One schema change: a `NNNN_name.sql` file of this directory, embedded in the binary.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    /// Checksums of earlier texts of this file that did the same to the schema; a database
    /// that recorded one of them is up to date (the text was rewritten to apply live-safe).
    public let formerChecksums: Set<String>
    /// How long one step may wait for a lock before it is rolled back and retried.
    public let lockTimeout: Duration

    public init(version: Int, name: String, sql: String, formerChecksums: Set<String> = [], lockTimeout: Duration = .seconds(2)) {
        self.version = version
        self.name = name
        self.sql = sql
        self.formerChecksums = formerChecksums
        self.lockTimeout = lockTimeout
    }

    public init(version: Int, name: String, bytes: [UInt8], formerChecksums: Set<String> = [], lockTimeout: Duration = .seconds(2)) {
        self.init(version: version, name: name, sql: String(decoding: bytes, as: UTF8.self),
                  formerChecksums: formerChecksums, lockTimeout: lockTimeout)
    }

    /// The file cut into the steps the runner applies one by one.
    public var steps: [MigrationStep] { MigrationStep.parse(sql) }

    /// `0002_galley_core.sql`: the file this migration comes from.
    public var fileName: String {
        let number = String(version)
        return String(repeating: "0", count: max(0, 4 - number.count)) + number + "_\(name).sql"
    }

    /// SHA-256 of the SQL (lowercase hex), recorded when applied: an applied file that
    /// changed afterwards is refused instead of silently diverging from the database.
    public var checksum: String {
        let bytes = Array(sql.utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                _ = SHA256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
