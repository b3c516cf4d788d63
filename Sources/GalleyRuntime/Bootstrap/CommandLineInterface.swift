/// An executable's command line: its subcommands and how `--help` describes them. Parsed
/// before anything else runs, so `--help`, `--version` and usage errors never touch
/// PostgreSQL or Redis.
public struct CommandLineInterface: Sendable {
    /// One subcommand, e.g. `serve` or `replay`.
    public struct Command: Sendable {
        public let name: String
        /// What follows the name in the usage line, e.g. `--event ID | --parked`.
        public let synopsis: String
        public let summary: String
        /// Extra lines of `--help` (the options), already indented.
        public let details: [String]
        /// Whether `MIGRATE_ON_START` applies before it runs.
        public let migratesOnStart: Bool
        /// Checks the arguments after the name; throws a one-line usage message.
        public let validate: @Sendable ([String]) throws -> Void

        public init(_ name: String, synopsis: String = "", _ summary: String, details: [String] = [],
                    migratesOnStart: Bool = true,
                    validate: @escaping @Sendable ([String]) throws -> Void = CommandLineInterface.noArguments) {
            self.name = name
            self.synopsis = synopsis
            self.summary = summary
            self.details = details
            self.migratesOnStart = migratesOnStart
            self.validate = validate
        }
    }

    /// What the process was asked to do.
    public enum Request: Sendable, Equatable {
        case help
        case version
        /// `settings [--markdown]`: print the settings table.
        case settings(markdown: Bool)
        case run(Invocation)
    }

    public let executable: GalleyExecutable
    public let commands: [Command]
    /// The command run with no arguments (nil: one must be named).
    public let defaultCommand: String?

    public init(_ executable: GalleyExecutable, commands: [Command], defaultCommand: String?) {
        self.executable = executable
        self.commands = commands
        self.defaultCommand = defaultCommand
    }

    /// For commands that take nothing after their name.
    public static let noArguments: @Sendable ([String]) throws -> Void = { arguments in
        if let first = arguments.first { throw ProcessFailure.usage("unexpected argument \(Self.quoted(first))") }
    }

    /// Parses the arguments after the program name. Usage errors are ``ProcessFailure``s with ``ExitCode/usage``.
    public func parse(_ arguments: [String]) throws(ProcessFailure) -> Request {
        if arguments.contains(where: { ["--help", "-h"].contains($0) }) || arguments.first == "help" { return .help }
        if arguments == ["--version"] || arguments == ["-V"] || arguments == ["version"] { return .version }
        guard let first = arguments.first else {
            guard let defaultCommand else { throw .usage("a command is required: \(commandList)") }
            return .run(Invocation(command: defaultCommand, arguments: []))
        }
        if first == "settings" {
            guard arguments.count == 1 || arguments == ["settings", "--markdown"] else {
                throw .usage("settings takes only --markdown")
            }
            return .settings(markdown: arguments.count == 2)
        }
        if first.hasPrefix("-") {
            throw .usage("unknown option \(Self.quoted(first))")
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            throw .usage("unknown command \(Self.quoted(first)); expected \(commandList)")
        }
        let rest = Array(arguments.dropFirst())
        do {
            try command.validate(rest)
        } catch let failure as ProcessFailure {
            throw failure
        } catch {
            throw .usage("\(error)")
        }
        return .run(Invocation(command: command.name, arguments: rest))
    }

    public func command(named name: String) -> Command? { commands.first { $0.name == name } }

    private var commandList: String { commands.map(\.name).joined(separator: ", ") }

    /// Echoes at most a short, printable prefix of what the user typed (never a pasted secret in full).
    static func quoted(_ argument: String) -> String {
        let printable = argument.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }
        let text = String(String.UnicodeScalarView(printable.prefix(32)))
        return "'\(text)\(printable.count > 32 ? "…" : "")'"
    }
}

/// A subcommand and the arguments after its name.
public struct Invocation: Sendable, Equatable {
    public let command: String
    public let arguments: [String]

    public init(command: String, arguments: [String]) {
        self.command = command
        self.arguments = arguments
    }
}
