/// The stylesheet and the script, embedded in the binary (no CDN, works offline).
enum ConsoleAssets {
    static func named(_ name: String) -> (contentType: String, body: [UInt8])? {
        switch name {
        case "console.css": ("text/css; charset=utf-8", PackageResources.console_css)
        case "console.js": ("text/javascript; charset=utf-8", PackageResources.console_js)
        default: nil
        }
    }
}
