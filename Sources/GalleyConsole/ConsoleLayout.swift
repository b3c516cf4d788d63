/// The frame around every page: navigation, flash, the live region, the two assets.
/// No inline script or style, so the Content-Security-Policy can forbid both.
enum ConsoleLayout {
    static func render(_ page: ConsolePage, user: String, flash: ConsoleFlash?, refreshSeconds: Int) -> HTML {
        let nav = ConsoleSection.allCases.map { section -> HTML in
            let here: HTML = section == page.section ? " class=\"here\" aria-current=\"page\"" : ""
            return "<a href=\"\(section.path)\"\(here)>\(section.title)</a>"
        }
        let flashHTML: HTML? = flash.map { "<div class=\"flash \($0.kind.rawValue)\" role=\"status\">\($0.message)</div>" }
        let content: HTML = page.live
            ? "<p class=\"live\" data-live-stamp>live: reload the page to refresh (JavaScript is off)</p><div data-live=\"\(refreshSeconds)\">\(page.content)</div>"
            : page.content
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(page.title) · Galley console</title>
        <link rel="stylesheet" href="/admin/assets/console.css">
        <script src="/admin/assets/console.js" defer></script>
        </head><body>
        <header><span class="brand">Galley console</span><nav>\(nav)</nav><span class="muted">\(user)</span></header>
        <main><h1>\(page.title)</h1>\(flashHTML)\(page.lead)\(content)</main>
        </body></html>
        """
    }
}
