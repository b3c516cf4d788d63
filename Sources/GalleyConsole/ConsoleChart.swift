/// An inline SVG bar chart of per-minute counts (no script, no library): one bar per
/// minute, the peak in the caption, the time range under it (HTML, so it never stretches).
enum ConsoleChart {
    static func bars(title: String, values: [Int], failures: Bool = false, firstLabel: String, lastLabel: String) -> HTML {
        let width = 600.0, height = 100.0, top = 14.0
        let peak = max(values.max() ?? 0, 1)
        let step = width / Double(max(values.count, 1))
        var rects = ""
        for (index, value) in values.enumerated() where value > 0 {
            let barHeight = (height - top) * Double(value) / Double(peak)
            let x = Double(index) * step
            rects += "<rect x=\"\(fmt(x + 0.5))\" y=\"\(fmt(height - barHeight))\" width=\"\(fmt(max(step - 1, 1)))\" height=\"\(fmt(barHeight))\"><title>\(value)</title></rect>"
        }
        let total = values.reduce(0, +)
        let kind = failures ? "bars failures" : "bars"
        return """
        <figure class="chart"><figcaption>\(title) <span class="muted">— \(total) in the hour, peak \(values.max() ?? 0)/min</span></figcaption>
        <svg viewBox="0 0 \(Int(width)) \(Int(height))" preserveAspectRatio="none" role="img" aria-label="\(title)">
        <line class="axis" x1="0" y1="\(Int(height))" x2="\(Int(width))" y2="\(Int(height))"/>
        <g class="\(kind)">\(HTML(trusted: rects))</g>
        </svg><div class="axis-labels"><span>\(firstLabel)</span><span>\(lastLabel)</span></div></figure>
        """
    }

    private static func fmt(_ value: Double) -> String {
        String(Double(Int(value * 10)) / 10)
    }
}
