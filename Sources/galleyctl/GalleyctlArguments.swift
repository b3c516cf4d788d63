import GalleyRuntime

/// The words after a command's name, split into positionals, flags and `--name value`
/// options. Unknown options are usage errors; an option's value may start with `-`
/// (`--amount -500`).
struct GalleyctlArguments {
    static let flags: Set<String> = ["--json", "--confirm", "--waiting", "--timing"]
    static let options: Set<String> = [
        "--stream", "--limit", "--cursor", "--user", "--device", "--task", "--provider-task", "--event", "--transaction",
        "--status", "--amount", "--reason", "--key", "--week", "--actor", "--action", "--target", "--operator", "--repeat",
    ]

    var positionals: [String] = []
    var flags: Set<String> = []
    var values: [String: String] = [:]

    init(_ words: [String]) throws(ProcessFailure) {
        var index = 0
        while index < words.count {
            let word = words[index]
            if GalleyctlArguments.flags.contains(word) {
                flags.insert(word)
            } else if GalleyctlArguments.options.contains(word) {
                guard index + 1 < words.count else { throw .usage("\(word) needs a value") }
                guard values[word] == nil else { throw .usage("\(word) given twice") }
                values[word] = words[index + 1]
                index += 1
            } else if word.hasPrefix("--") {
                throw .usage("unknown option \(GalleyctlArguments.quoted(word))")
            } else {
                positionals.append(word)
            }
            index += 1
        }
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func value(_ option: String) -> String? { values[option] }

    func integer(_ option: String) throws(ProcessFailure) -> Int64? {
        guard let text = values[option] else { return nil }
        guard let number = Int64(text) else { throw .usage("\(option) must be an integer") }
        return number
    }

    /// Refuses options this command does not take, so a typo never silently widens a search.
    func allow(_ allowed: Set<String>) throws(ProcessFailure) {
        for name in flags.union(values.keys) where !allowed.contains(name) && !GalleyctlArguments.global.contains(name) {
            throw .usage("this command does not take \(name)")
        }
    }

    /// Taken by every command.
    static let global: Set<String> = ["--json", "--operator", "--timing", "--repeat"]

    /// A short printable prefix of what was typed (never a pasted secret in full).
    static func quoted(_ word: String) -> String {
        let printable = word.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }
        return "'\(String(String.UnicodeScalarView(printable.prefix(32))))\(printable.count > 32 ? "…" : "")'"
    }
}
