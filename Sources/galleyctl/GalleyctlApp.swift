import Foundation
import GalleyCore
import GalleyRuntime
import GalleyAdmin

/// galleyctl: the console's actions for terminals and scripts, over ``AdminOperations``
/// (no logic of its own). One command per process; `--json` prints the answer as JSON.
enum GalleyctlApp {
    static let subcommands: [String: [String]] = [
        "dead": ["list", "show", "replay", "delete"], "task": ["show", "search", "retry", "requeue"],
        "event": ["show", "search", "replay"], "user": ["show"], "points": ["adjust"], "reward": ["runs", "start"],
    ]

    static let common = "            every command: --json (print JSON), --operator NAME (audit name; default $USER), --timing (ms on stderr)"

    static let definition = ProcessBootstrap.Definition(
        interface: CommandLineInterface(.galleyctl, commands: [
            command("status", "", "queues, dead letters, consumers, node ids, outbox, PostgreSQL/Redis, last hour",
                    details: [common]),
            command("dead", "list|show|replay|delete [--stream S] [ID...]", "dead letters of emoji_tasks and webhook_events", details: [
                "            list [--stream S] [--limit N] [--cursor C]   newest first, with the row each points at",
                "            show --stream S ID                           one dead letter",
                "            replay --stream S ID...                      put back on the work stream (safe to repeat)",
                "            delete --stream S ID...                      remove (audited with the payload)",
                "            S is emoji_tasks or webhook_events",
            ]),
            command("task", "show|search|retry|requeue ...", "find emoji tasks, their timeline; retry a failed one", details: [
                "            show ID                                      the task, its timeline and ledger rows",
                "            search --user ID | --device D | --task ID | --provider-task ID [--limit N] [--cursor C]",
                "            retry ID --confirm                           a NEW task charged now (without --confirm: says the cost)",
                "            requeue ID                                   re-send a waiting task whose stream entry was lost",
            ]),
            command("event", "show|search|replay ...", "RevenueCat webhook events", details: [
                "            show EVENT_ID                                the event with its payload",
                "            search --user ID | --event ID | --transaction ID | --status S | --waiting [--limit N] [--cursor C]",
                "            replay EVENT_ID                              apply it again now (takes effect once)",
            ]),
            command("user", "show ID | show --device D", "profile, balance, VIP, subscriptions, orders, ledger", details: [
                "            show ID | --device D [--limit N] [--cursor C]  (the page options page the ledger)",
            ]),
            command("points", "adjust --user ID --amount N --reason TEXT [--key K]", "credit (N > 0) or debit (N < 0) points", details: [
                "            one transaction: ledger row (reward / consume), balance, audit row; never below zero",
                "            --key K makes a retried command apply once",
            ]),
            command("reward", "runs|start ...", "weekly VIP reward runs", details: [
                "            runs [--week 2026-W47] [--limit N] [--cursor C]   history and running progress",
                "            start [--week 2026-W47] [--confirm]               without --confirm: a dry run (writes nothing)",
            ]),
            command("audit", "[--actor A] [--action X] [--target T]", "who did what, newest first"),
            command("config", "", "the business config in force, its source, last reload and error"),
        ], defaultCommand: nil),
        logsToStandardError: true,
        services: services)

    private static func command(_ name: String, _ synopsis: String, _ summary: String, details: [String] = []) -> CommandLineInterface.Command {
        .init(name, synopsis: synopsis, summary, details: details, migratesOnStart: false) { arguments in
            _ = try GalleyctlCommand.parse(name, arguments, environment: [:])
        }
    }

    static func services(_ runtime: ProcessRuntime) async throws -> [any Service] {
        let invocation = try GalleyctlCommand.parse(runtime.invocation.command, runtime.invocation.arguments,
                                                    environment: ProcessInfo.processInfo.environment)
        let operations = try AdminOperations(runtime: runtime)
        let group = runtime.group
        return [ClosureService("galleyctl \(runtime.invocation.command)") {
            let code = try await onOwnThread("galleyctl") {
                GalleyctlRunner(operations: operations, invocation: invocation).run()
            }
            group.triggerShutdown(code, reason: "command finished")
        }]
    }
}
