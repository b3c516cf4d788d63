public import GalleyRuntime

/// Builds the client from the settings at start: nil when WeChat Pay is not configured;
/// a key file that does not parse stops the process (exit 78) naming the setting.
public enum WeChatPayStartup {
    public static func client(_ settings: Settings) throws -> WeChatPayClient? {
        guard let weChatPay = settings.weChatPay else { return nil }
        do {
            return WeChatPayClient(configuration: try WeChatPayConfiguration(settings: weChatPay))
        } catch {
            throw ProcessFailure(.configuration, "configuration error: \(error.debugDescription)")
        }
    }
}
