import GalleyCore

/// Why a Snowflake node id could not be used. The descriptions name `SNOWFLAKE_NODE_ID`
/// so the executable's one-line refusal to start says what to fix.
public struct SnowflakeError: Error, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Equatable {
        case invalidNodeID
        case nodeIDTaken
        case noFreeNodeID
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// Not an integer in 0...1023.
    public static let invalidNodeID = SnowflakeError(.invalidNodeID)
    /// The explicit node id is leased by another live process.
    public static let nodeIDTaken = SnowflakeError(.nodeIDTaken)
    /// All 1024 node ids are leased.
    public static let noFreeNodeID = SnowflakeError(.noFreeNodeID)

    static func nodeIDTaken(_ detail: String) -> SnowflakeError { SnowflakeError(.nodeIDTaken, detail) }

    /// Compares the kind only.
    public static func == (lhs: SnowflakeError, rhs: SnowflakeError) -> Bool { lhs.code == rhs.code }

    public var description: String {
        switch code {
        case .invalidNodeID: "SNOWFLAKE_NODE_ID must be an integer from 0 to 1023"
        case .nodeIDTaken: "SNOWFLAKE_NODE_ID is already in use by another running process"
        case .noFreeNodeID: "no free Snowflake node id in Redis; set SNOWFLAKE_NODE_ID or stop stale processes"
        }
    }

    public var debugDescription: String { detail.isEmpty ? description : "\(description): \(detail)" }
}
