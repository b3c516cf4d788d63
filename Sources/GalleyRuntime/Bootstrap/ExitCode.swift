/// A process's exit status, one per kind of failure, in the sysexits(3) style so an
/// operator (or systemd's `RestartPreventExitStatus`) can tell them apart.
public struct ExitCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// Done, or stopped by a signal after a clean drain.
    public static let success = ExitCode(0)
    /// A one-shot command ran and failed (a replayed event not found, a reward run that failed).
    public static let failure = ExitCode(1)
    /// EX_USAGE: unknown command, flag or option value.
    public static let usage = ExitCode(64)
    /// EX_UNAVAILABLE: PostgreSQL, Redis or a port unavailable at start.
    public static let unavailable = ExitCode(69)
    /// EX_SOFTWARE: a bug or an unexpected error while running.
    public static let software = ExitCode(70)
    /// EX_TEMPFAIL: try again later, e.g. the Snowflake node id was taken over.
    public static let temporaryFailure = ExitCode(75)
    /// EX_CONFIG: a setting is missing or invalid.
    public static let configuration = ExitCode(78)

    public var description: String { String(rawValue) }

    /// The table `--help` prints.
    public static let legend = "exit status: 0 ok, 1 command failed, 64 usage, 69 dependency unavailable at start, "
        + "70 internal error, 75 temporary (node id taken over), 78 configuration"
}
