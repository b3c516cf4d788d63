public import Foundation

/// ISO 8601 UTC timestamps as the original's pydantic v2 wrote them: six fraction digits
/// (`2026-11-21T09:30:00.123456Z`), none at all when the microsecond is 0
/// (`2026-11-21T09:30:00Z`). Hand-rolled: DateFormatter is slow and not thread-safe to share.
public enum Timestamp {
    /// Formats `date`, rounded to the nearest microsecond (PostgreSQL's precision; a
    /// `Date` read from a `timestamptz` lands within a fraction of a microsecond of it).
    public static func iso8601(_ date: Date) -> String {
        iso8601(microsecondsSince1970: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    /// Always `.mmmZ` (three digits): the fixed form the PostgreSQL encoder extends to microseconds.
    public static func iso8601(millisecondsSince1970 millis: Int64) -> String {
        let text = iso8601(microsecondsSince1970: millis.floorDiv(1000) * 1_000_000)
        let ms = Int(millis - millis.floorDiv(1000) * 1000)
        return String(text.dropLast()) + "." + pad(ms, 3) + "Z"
    }

    public static func iso8601(microsecondsSince1970 micros: Int64) -> String {
        var seconds = time_t(micros.floorDiv(1_000_000))
        let fraction = Int(micros - micros.floorDiv(1_000_000) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let base = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
        return fraction == 0 ? base + "Z" : base + "." + pad(fraction, 6) + "Z"
    }

    /// Parses ISO 8601 / RFC 3339 and PostgreSQL's text form (`2026-11-21 09:30:00.123456+00`).
    /// Accepts `T` or a space, optional fraction, `Z` or a numeric offset (`+hh`, `+hh:mm`, `+hhmm`).
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 19 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var value = 0
            for i in from..<(from + len) {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"),
              let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58, let second = num(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        var offsetSeconds = 0
        if i < b.count {
            let sign = b[i]
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                i += 1
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                i += 1
                guard let oh = num(i, 2) else { return nil }
                i += 2
                var om = 0
                if i < b.count, b[i] == 58 { i += 1 }
                if i < b.count { guard let m = num(i, 2) else { return nil }; om = m; i += 2 }
                offsetSeconds = (oh * 3600 + om * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let epochSeconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(epochSeconds) + fraction)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (for times before 1970).
    package func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
