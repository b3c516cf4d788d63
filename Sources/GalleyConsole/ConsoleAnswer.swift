/// What a console route answers: a page, or after an action a redirect to the page
/// showing its result (POST, then 303, then GET: reloading never repeats an action).
enum ConsoleAnswer: Sendable {
    case page(ConsolePage)
    /// A `Location` under the console's mount, with a signed flash message.
    case seeOther(path: String, flash: ConsoleFlash?)
    /// A plain answer (assets).
    case raw(status: Int, contentType: String, body: [UInt8])
}

/// The message shown once at the top of the next page.
struct ConsoleFlash: Sendable, Equatable {
    enum Kind: String, Sendable { case ok, bad }
    var kind: Kind
    var message: String

    static func ok(_ message: String) -> ConsoleFlash { ConsoleFlash(kind: .ok, message: message) }
    static func bad(_ message: String) -> ConsoleFlash { ConsoleFlash(kind: .bad, message: message) }
}

/// The console's pages, in the order of the navigation bar.
enum ConsoleSection: String, CaseIterable, Sendable {
    case overview, dead, tasks, events, users, rewards, config, audit

    var title: String {
        switch self {
        case .overview: "Overview"
        case .dead: "Dead letters"
        case .tasks: "Tasks"
        case .events: "Webhook events"
        case .users: "Users"
        case .rewards: "Reward runs"
        case .config: "Config"
        case .audit: "Audit"
        }
    }

    var path: String { self == .overview ? "/admin/" : "/admin/\(rawValue)" }
}

/// A rendered page: the layout adds the navigation, the flash and the assets. When
/// `live`, the content refreshes itself every few seconds (console.js) and a fragment
/// request gets the content alone.
struct ConsolePage: Sendable {
    var title: String
    var section: ConsoleSection
    /// Above the live region: search forms, action forms (not refreshed under the user's hands).
    var lead: HTML = ""
    var content: HTML
    var live: Bool = false
}
