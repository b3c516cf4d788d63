import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyPayments

/// The WebhookWorker's WeChat Pay part (docs/payments.md): the `wechatpay_notifications`
/// consumer and the missed-notification sweep beside RevenueCat's, and `refund`.
extension WebhookWorkerApp {
    static let refundCommand = CommandLineInterface.Command(
        "refund", synopsis: WeChatPayRefundCommand.synopsis, "refund a paid WeChat Pay order in full and exit",
        details: ["            --order ORDER_NO  the order (orders.order_no)", "            --reason TEXT     shown to the payer"],
        migratesOnStart: false) { arguments in
        do { _ = try WeChatPayRefundCommand(arguments: arguments) } catch let error as WeChatPayRefundCommand.UsageError {
            throw ProcessFailure.usage(error.description)
        }
    }

    /// Nothing when WeChat Pay is not configured.
    static func weChatPayServices(_ runtime: ProcessRuntime, ids: SnowflakeGenerator) throws -> [any Service] {
        guard let client = try WeChatPayStartup.client(runtime.settings) else { return [] }
        let metrics = WeChatPayMetrics()
        let applier = WeChatPayApplier(mchID: client.configuration.mchID, appID: client.configuration.appID,
                                       nextID: { ids.next() }, logger: Logger(label: "wechatpay"))
        var consumer = StreamConsumerConfiguration(
            stream: WeChatPayStreamHandler.stream, group: "webhook_worker", consumer: runtime.settings.workers.webhookConsumer)
        // Notifications are applied one per transaction: more in flight than the pool has
        // sessions would only queue for them.
        consumer.concurrency = min(runtime.settings.workers.webhookConcurrency, 16)
        consumer.shutdownDeadline = runtime.settings.shutdownDeadline
        var sweeper = WeChatPaySweeper(applier: applier, client: client, pool: runtime.postgres, metrics: metrics)
        // A short WECHATPAY_QUERY_AFTER_SECONDS (tests, demos) is honoured by sweeping as often.
        sweeper.interval = min(.seconds(30), client.configuration.queryAfter)
        let sweep = sweeper
        return [
            ClosureService("WeChat Pay sweep") { await sweep.run() },
            StreamConsumer(configuration: consumer, redis: runtime.redis,
                           handler: WeChatPayStreamHandler(applier: applier, pool: runtime.postgres, metrics: metrics),
                           logger: runtime.logger),
        ]
    }

    static func refund(_ runtime: ProcessRuntime) throws -> [any Service] {
        let command: WeChatPayRefundCommand
        do { command = try WeChatPayRefundCommand(arguments: runtime.invocation.arguments) } catch {
            throw ProcessFailure.usage(error.description)
        }
        guard let client = try WeChatPayStartup.client(runtime.settings) else {
            throw ProcessFailure(.configuration, "configuration error: WeChat Pay is not configured (WECHATPAY_MCHID)")
        }
        let ids = try runtime.snowflakeIDs()
        let applier = WeChatPayApplier(mchID: client.configuration.mchID, appID: client.configuration.appID, nextID: { ids.next() })
        let refunds = WeChatPayRefunds(applier: applier, client: client, pool: runtime.postgres)
        return [ClosureService("refund") {
            do {
                print(try await refunds.refund(orderNo: command.orderNo, reason: command.reason))
            } catch let refusal as WeChatPayRefunds.Refusal {
                throw ProcessFailure(.failure, refusal.description)
            } catch let error as WeChatPayError {
                throw ProcessFailure(.failure, "refund failed: \(error.debugDescription)")
            }
        }]
    }
}
