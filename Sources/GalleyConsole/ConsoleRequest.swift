import Foundation
import GalleyHTTP

/// One authenticated console request as a page sees it.
struct ConsoleRequest: Sendable {
    let http: HTTPRequest
    /// The operator, as authenticated (written into every audit row by the admin layer).
    let user: String
    /// The token every form of the answer carries.
    let csrfToken: String
    /// Query parameters, repeated names kept.
    let query: ConsoleForm
    /// The POST body's fields (empty for GET).
    let form: ConsoleForm
    let now: Date
    /// The page's live region only (`X-Console-Fragment: live`, sent by console.js).
    let wantsFragment: Bool

    /// The hidden CSRF field every POST form carries.
    var csrfField: HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(csrfToken)\">" }
}
