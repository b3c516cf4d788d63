import GalleyRuntime
import GalleyAdmin

/// One parsed galleyctl command. Parsing happens twice with the same code: when the
/// command line is checked (before anything connects) and when the command runs.
enum GalleyctlCommand: Sendable {
    case status
    case deadList(AdminStream?, AdminPageRequest)
    case deadShow(AdminStream, String)
    case deadReplay(AdminStream, [String])
    case deadDelete(AdminStream, [String])
    case taskShow(Int64)
    case taskSearch(AdminTaskQuery, AdminPageRequest)
    case taskRetry(Int64, confirm: Bool)
    case taskRequeue(Int64)
    case eventShow(String)
    case eventSearch(AdminEventQuery, AdminPageRequest)
    case eventReplay(String)
    case userShow(AdminUserKey, ledger: AdminPageRequest)
    case pointsAdjust(user: Int64, amount: Int, reason: String, key: String?)
    case rewardRuns(week: String?, AdminPageRequest)
    case rewardStart(week: String?, confirm: Bool)
    case audit(AdminAuditQuery, AdminPageRequest)
    case config

    enum AdminUserKey: Sendable {
        case id(Int64)
        case device(String)
    }

    /// What the command prints and who it acts as.
    struct Invocation: Sendable {
        let command: GalleyctlCommand
        let json: Bool
        let actor: AdminOperator
        /// `--timing`: how long the operation took (not the process start), on stderr, for bench/console.sh.
        let timing: Bool
        /// `--repeat N` (with `--timing`): run it N times on the same connections and also print the warm
        /// runs' median and max (what the console, whose pools stay open, sees).
        let repeats: Int
    }

    static func parse(_ name: String, _ words: [String], environment: [String: String]) throws(ProcessFailure) -> Invocation {
        let args = try GalleyctlArguments(words)
        let command = try parse(name, args)
        let actor = AdminOperator(args.value("--operator") ?? environment["USER"] ?? environment["LOGNAME"] ?? "unknown")
        let repeats = try args.integer("--repeat") ?? 1
        guard (1...1000).contains(repeats) else { throw .usage("--repeat is 1–1000") }
        guard repeats == 1 || args.has("--timing") else { throw .usage("--repeat needs --timing") }
        return Invocation(command: command, json: args.has("--json"), actor: actor, timing: args.has("--timing"),
                          repeats: Int(repeats))
    }

    private static func parse(_ name: String, _ args: GalleyctlArguments) throws(ProcessFailure) -> GalleyctlCommand {
        let words = args.positionals
        let sub = words.first ?? ""
        let rest = Array(words.dropFirst())
        switch (name, sub) {
        case ("status", _):
            try none(words); try args.allow([])
            return .status
        case ("config", _):
            try none(words); try args.allow([])
            return .config
        case ("dead", "list"):
            try none(rest); try args.allow(["--stream", "--limit", "--cursor"])
            return .deadList(try args.value("--stream").map(stream), try page(args))
        case ("dead", "show"):
            try args.allow(["--stream"])
            guard rest.count == 1 else { throw .usage("dead show takes one entry id") }
            return .deadShow(try requiredStream(args), rest[0])
        case ("dead", "replay"), ("dead", "delete"):
            try args.allow(["--stream"])
            guard !rest.isEmpty else { throw .usage("dead \(sub) takes one or more entry ids") }
            return sub == "replay" ? .deadReplay(try requiredStream(args), rest) : .deadDelete(try requiredStream(args), rest)
        case ("task", "show"):
            try args.allow([])
            return .taskShow(try oneID(rest, "task show"))
        case ("task", "search"):
            try none(rest); try args.allow(["--user", "--device", "--task", "--provider-task", "--limit", "--cursor"])
            let queries: [AdminTaskQuery] = [
                try args.integer("--user").map { .user($0) }, args.value("--device").map { .device($0) },
                try args.integer("--task").map { .task($0) }, args.value("--provider-task").map { .providerTask($0) },
            ].compactMap { $0 }
            guard queries.count == 1, let query = queries.first else {
                throw .usage("task search takes one of --user, --device, --task, --provider-task")
            }
            return .taskSearch(query, try page(args))
        case ("task", "retry"):
            try args.allow(["--confirm"])
            return .taskRetry(try oneID(rest, "task retry"), confirm: args.has("--confirm"))
        case ("task", "requeue"):
            try args.allow([])
            return .taskRequeue(try oneID(rest, "task requeue"))
        case ("event", "show"), ("event", "replay"):
            try args.allow([])
            guard rest.count == 1, !rest[0].isEmpty else { throw .usage("event \(sub) takes one event id") }
            return sub == "show" ? .eventShow(rest[0]) : .eventReplay(rest[0])
        case ("event", "search"):
            try none(rest); try args.allow(["--user", "--event", "--transaction", "--status", "--waiting", "--limit", "--cursor"])
            var queries: [AdminEventQuery] = [
                try args.integer("--user").map { .user($0) }, args.value("--event").map { .event($0) },
                args.value("--transaction").map { .transaction($0) }, args.value("--status").map { .status($0) },
            ].compactMap { $0 }
            if args.has("--waiting") { queries.append(.waiting) }
            guard queries.count == 1, let query = queries.first else {
                throw .usage("event search takes one of --user, --event, --transaction, --status, --waiting")
            }
            return .eventSearch(query, try page(args))
        case ("user", "show"):
            try args.allow(["--device", "--limit", "--cursor"])
            if let device = args.value("--device") {
                try none(rest)
                return .userShow(.device(device), ledger: try page(args))
            }
            return .userShow(.id(try oneID(rest, "user show")), ledger: try page(args))
        case ("points", "adjust"):
            try none(rest); try args.allow(["--user", "--amount", "--reason", "--key"])
            guard let user = try args.integer("--user"), let amount = try args.integer("--amount"),
                  let reason = args.value("--reason") else {
                throw .usage("points adjust needs --user ID --amount N --reason TEXT")
            }
            guard let small = Int(exactly: amount) else { throw .usage("--amount is out of range") }
            return .pointsAdjust(user: user, amount: small, reason: reason, key: args.value("--key"))
        case ("reward", "runs"):
            try none(rest); try args.allow(["--week", "--limit", "--cursor"])
            return .rewardRuns(week: args.value("--week"), try page(args))
        case ("reward", "start"):
            try none(rest); try args.allow(["--week", "--confirm"])
            return .rewardStart(week: args.value("--week"), confirm: args.has("--confirm"))
        case ("audit", _):
            try none(words); try args.allow(["--actor", "--action", "--target", "--limit", "--cursor"])
            return .audit(AdminAuditQuery(actor: args.value("--actor"), action: args.value("--action"), target: args.value("--target")),
                          try page(args))
        default:
            let subs = GalleyctlApp.subcommands[name] ?? []
            throw .usage(sub.isEmpty ? "\(name) needs one of: \(subs.joined(separator: ", "))"
                                     : "unknown \(name) command \(GalleyctlArguments.quoted(sub)); expected \(subs.joined(separator: ", "))")
        }
    }

    private static func none(_ words: [String]) throws(ProcessFailure) {
        if let first = words.first { throw .usage("unexpected argument \(GalleyctlArguments.quoted(first))") }
    }

    private static func oneID(_ words: [String], _ what: String) throws(ProcessFailure) -> Int64 {
        guard words.count == 1, let id = Int64(words[0]), id > 0 else { throw .usage("\(what) takes one numeric id") }
        return id
    }

    private static func stream(_ name: String) throws(ProcessFailure) -> AdminStream {
        guard let stream = AdminStream(name: name) else { throw .usage("--stream is emoji_tasks or webhook_events") }
        return stream
    }

    private static func requiredStream(_ args: GalleyctlArguments) throws(ProcessFailure) -> AdminStream {
        guard let name = args.value("--stream") else { throw .usage("--stream emoji_tasks|webhook_events is required") }
        return try stream(name)
    }

    private static func page(_ args: GalleyctlArguments) throws(ProcessFailure) -> AdminPageRequest {
        let limit = try args.integer("--limit") ?? 50
        guard AdminPageRequest.limitRange.contains(Int(clamping: limit)) else { throw .usage("--limit is 1–500") }
        return AdminPageRequest(limit: Int(limit), cursor: args.value("--cursor"))
    }
}
