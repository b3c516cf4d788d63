public import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// An ISO 8601 week in UTC (`2026-W47`): the unit the weekly VIP reward is paid in, and
/// what `point_transactions.reward_week` stores. Weeks start on Monday; week 1 is the week
/// with the year's first Thursday, so 2027-01-01 (a Friday) still belongs to 2026-W53.
///
/// Plain day arithmetic instead of `Calendar`: the answer must not depend on the host's
/// locale or time zone, and it runs in the scheduler's loop.
public struct ISOWeek: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The ISO week-numbering year (not always the calendar year of every day in the week).
    public let year: Int
    /// 1...52 or 1...53, depending on the year.
    public let week: Int

    /// Years `--week` accepts; the ledger column holds four year digits.
    public static let supportedYears: ClosedRange<Int> = 1970...9999

    /// A week that exists: `week` within ``weeks(in:)`` of `year`.
    public init(year: Int, week: Int) throws(RewardError) {
        guard ISOWeek.supportedYears.contains(year), (1...ISOWeek.weeks(in: year)).contains(week) else {
            throw RewardError.invalidWeek.with(details: "year \(year) week \(week)")
        }
        self.year = year
        self.week = week
    }

    private init(uncheckedYear year: Int, week: Int) {
        self.year = year
        self.week = week
    }

    /// The week `date` falls in, in UTC.
    public init(containing date: Date) {
        let day = ISOWeek.day(of: date)
        // The Thursday of the same Monday-to-Sunday week decides the year and the number.
        let thursday = day + 3 - (ISOWeek.weekday(ofDay: day) - 1)
        let year = ISOWeek.civil(fromDay: thursday).year
        self.init(uncheckedYear: year, week: (thursday - ISOWeek.day(year: year, month: 1, day: 1)) / 7 + 1)
    }

    /// Parses `YYYY-Www` exactly (e.g. `2026-W47`, `2026-W05`); the week must exist in that year.
    public init(parsing text: String) throws(RewardError) {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes.count == 8, bytes[4] == UInt8(ascii: "-"), bytes[5] == UInt8(ascii: "W"),
              let year = digits(0..<4), let week = digits(6..<8)
        else { throw RewardError.invalidWeek.with(details: "not YYYY-Www: \(text)") }
        try self.init(year: year, week: week)
    }

    /// `2026-W47`, the form stored in `reward_week`.
    public var description: String {
        let y = String(year)
        let w = String(week)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-W" + (w.count < 2 ? "0" : "") + w
    }

    /// Monday 00:00:00 UTC, the first instant of the week.
    public var start: Date {
        Date(timeIntervalSince1970: TimeInterval(ISOWeek.firstMonday(of: year) + (week - 1) * 7) * 86_400)
    }

    /// The first instant after the week (the next Monday 00:00 UTC).
    public var end: Date { start.addingTimeInterval(7 * 86_400) }

    /// The week after this one.
    public var next: ISOWeek { ISOWeek(containing: end) }

    /// 53 when the year starts on a Thursday, or on a Wednesday in a leap year; else 52.
    public static func weeks(in year: Int) -> Int {
        let january1 = weekday(ofDay: day(year: year, month: 1, day: 1))
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return january1 == 4 || (leap && january1 == 3) ? 53 : 52
    }

    public static func < (a: ISOWeek, b: ISOWeek) -> Bool { (a.year, a.week) < (b.year, b.week) }

    // MARK: Day arithmetic (days since 1970-01-01, proleptic Gregorian, UTC)

    /// The Monday of week 1: the Monday on or before January 4.
    private static func firstMonday(of year: Int) -> Int {
        let january4 = day(year: year, month: 1, day: 4)
        return january4 - (weekday(ofDay: january4) - 1)
    }

    private static func day(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// 1 = Monday ... 7 = Sunday; day 0 (1970-01-01) was a Thursday.
    static func weekday(ofDay day: Int) -> Int {
        ((day + 3) % 7 + 7) % 7 + 1
    }

    /// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
    static func day(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number (H. Hinnant's `civil_from_days`).
    static func civil(fromDay day: Int) -> (year: Int, month: Int, day: Int) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
