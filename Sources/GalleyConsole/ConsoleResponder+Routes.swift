import Foundation
public import GalleyCore
public import GalleyHTTP
public import GalleyAdmin

extension ConsoleResponder {
    /// The console over `admin`: every page reads through it and every action goes
    /// through it (which writes `admin_audit`); the console adds no logic of its own.
    public init(configuration: ConsoleConfiguration, admin: AdminOperations, throttle: any ConsoleLoginThrottle,
                clientAddress: @escaping @Sendable (HTTPRequest) -> String, logger: Logger,
                environment: [String: String]) {
        self.init(configuration: configuration, throttle: throttle, clientAddress: clientAddress, logger: logger)
        add("GET", "/admin/") { .page(OverviewPage.render(admin.overview(now: $0.now), now: $0.now)) }
        add("GET", "/admin/dead") { .page(try DeadLettersPage.render($0, admin: admin)) }
        add("POST", "/admin/dead/replay") { try DeadLettersPage.act($0, admin: admin, delete: false) }
        add("POST", "/admin/dead/delete") { try DeadLettersPage.act($0, admin: admin, delete: true) }
        add("GET", "/admin/tasks") { .page(try TasksPage.search($0, admin: admin)) }
        add("GET", "/admin/tasks/show") { .page(try TasksPage.show($0, admin: admin)) }
        add("POST", "/admin/tasks/retry") { try TasksPage.retry($0, admin: admin) }
        add("GET", "/admin/events") { .page(try EventsPage.search($0, admin: admin)) }
        add("GET", "/admin/events/show") { .page(try EventsPage.show($0, admin: admin)) }
        add("POST", "/admin/events/replay") { try EventsPage.replay($0, admin: admin) }
        add("GET", "/admin/users") { .page(try UsersPage.render($0, admin: admin)) }
        add("POST", "/admin/users/adjust") { try UsersPage.adjust($0, admin: admin) }
        add("GET", "/admin/rewards") { .page(try RewardsPage.render($0, admin: admin)) }
        add("GET", "/admin/rewards/dry-run") { .page(try RewardsPage.dryRun($0, admin: admin)) }
        add("POST", "/admin/rewards/start") { try RewardsPage.start($0, admin: admin) }
        add("GET", "/admin/config") { .page(ConfigPage.render($0, admin: admin, environment: environment)) }
        add("GET", "/admin/audit") { .page(try AuditPage.render($0, admin: admin)) }
    }
}
