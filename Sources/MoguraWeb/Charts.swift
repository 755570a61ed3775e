import Foundation
import MoguraCore

/// Server-side SVG charts: no script, no external library, readable without colour (each bar has a title).
enum Charts {
    static let palette = ["#0b5cad", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#1098ad", "#c2255c", "#5c940d", "#364fc7", "#495057"]

    /// Bars per day, stacked by category.
    static func stackedBars(days: [String], series: [String: [MoguraCore.Category: Int]], language: Language, id: String) -> HTML {
        let categories = MoguraCore.Category.allCases.filter { category in series.values.contains { ($0[category] ?? 0) > 0 } }
        let totals = days.map { day in series[day]?.values.reduce(0, +) ?? 0 }
        let maximum = max(1, totals.max() ?? 1)
        let (width, height, left, bottom, top) = (720.0, 240.0, 40.0, 28.0, 10.0)
        let slot = (width - left - 10) / Double(max(days.count, 1))
        let scale = (height - bottom - top) / Double(maximum)
        var bars: [HTML] = []
        for (index, day) in days.enumerated() {
            var y = height - bottom
            for (position, category) in categories.enumerated() {
                let count = series[day]?[category] ?? 0
                guard count > 0 else { continue }
                let barHeight = Double(count) * scale
                y -= barHeight
                let color = palette[position % palette.count]
                bars.append(
                    "<rect x=\"\(format(left + Double(index) * slot + 2))\" y=\"\(format(y))\" width=\"\(format(slot - 4))\" height=\"\(format(barHeight))\" fill=\"\(color)\"><title>\(day) \(language.title(category)): \(count)</title></rect>"
                )
            }
            if index % 2 == 0 {
                bars.append(
                    "<text x=\"\(format(left + Double(index) * slot + slot / 2))\" y=\"\(format(height - 10))\" font-size=\"10\" text-anchor=\"middle\" fill=\"#5b636e\">\(String(day.suffix(5)))</text>"
                )
            }
        }
        let axis: HTML = """
            <line x1="\(format(left))" y1="\(format(height - bottom))" x2="\(format(width - 10))" y2="\(format(height - bottom))" stroke="#d8dde3"/>
            <text x="\(format(left - 4))" y="\(format(top + 8))" font-size="10" text-anchor="end" fill="#5b636e">\(maximum)</text>
            <text x="\(format(left - 4))" y="\(format(height - bottom))" font-size="10" text-anchor="end" fill="#5b636e">0</text>
            """
        let legend: [HTML] = categories.enumerated().map { position, category in
            "<span class=\"badge\"><svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"\(palette[position % palette.count])\"/></svg> \(language.title(category))</span> "
        }
        return """
            <svg class="chart" id="\(id)" viewBox="0 0 \(format(width)) \(format(height))" role="img" xmlns="http://www.w3.org/2000/svg">\(axis)\(bars)</svg>
            <p>\(legend)</p>
            """
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
