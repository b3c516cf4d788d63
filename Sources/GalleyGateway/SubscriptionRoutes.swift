import GalleyCore
import GalleyPostgres
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// `GET /subscription/status` and `POST /subscription/webhook` (RevenueCat; see
/// ``WebhookIntake``).
enum SubscriptionRoutes {
    static func register(in router: inout Router) {
        router.add("GET", "/api/v1/subscription/status", lane: true, status)
        router.add("POST", "/api/v1/subscription/webhook", webhook)
    }

    @Sendable static func status(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(try context.user().subscriptionJSON)
    }

    @Sendable static func webhook(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(try WebhookIntake.receive(context))
    }
}
