import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRewards
import GalleyTestSupport

@Suite struct RewardISOWeekTests {
    private func date(_ text: String) throws -> Date {
        try #require(Timestamp.parse(text))
    }

    @Test func knownDates() throws {
        #expect(ISOWeek(containing: try date("2026-11-21T12:00:00Z")).description == "2026-W47")
        #expect(ISOWeek(containing: try date("2027-01-01T00:00:00Z")).description == "2026-W53")
        #expect(ISOWeek(containing: try date("2021-01-03T23:59:59Z")).description == "2020-W53")
        #expect(ISOWeek(containing: try date("2024-12-30T00:00:00Z")).description == "2025-W01")
        #expect(ISOWeek(containing: try date("2026-01-01T00:00:00Z")).description == "2026-W01")
        #expect(ISOWeek(containing: try date("2026-02-02T00:00:00Z")).description == "2026-W06")
        // The week turns at Monday 00:00 UTC exactly.
        #expect(ISOWeek(containing: try date("2026-11-22T23:59:59.999Z")).description == "2026-W47")
        #expect(ISOWeek(containing: try date("2026-11-23T00:00:00Z")).description == "2026-W48")
    }

    @Test func weeksPerYear() {
        #expect(ISOWeek.weeks(in: 2026) == 53)  // starts on a Thursday
        #expect(ISOWeek.weeks(in: 2020) == 53)  // leap year starting on a Wednesday
        #expect(ISOWeek.weeks(in: 2025) == 52)
        #expect(ISOWeek.weeks(in: 2027) == 52)
        #expect(ISOWeek.weeks(in: 2015) == 53)
    }

    @Test func startEndAndNext() throws {
        let week = try ISOWeek(parsing: "2026-W47")
        #expect(week.start == (try date("2026-11-16T00:00:00Z")))
        #expect(week.end == (try date("2026-11-23T00:00:00Z")))
        #expect(week.next.description == "2026-W48")
        #expect(try ISOWeek(parsing: "2026-W53").next.description == "2027-W01")
        #expect(try ISOWeek(parsing: "2026-W01").start == (try date("2025-12-29T00:00:00Z")))
        #expect(RewardScheduler.nextStart(after: try date("2026-11-21T09:30:00Z")) == (try date("2026-11-23T00:00:00Z")))
        #expect(RewardScheduler.nextStart(after: try date("2026-11-23T00:00:00Z")) == (try date("2026-11-30T00:00:00Z")))
    }

    @Test func parsesOnlyRealWeeks() throws {
        #expect(try ISOWeek(parsing: "2026-W47") == ISOWeek(year: 2026, week: 47))
        #expect(try ISOWeek(parsing: "2026-W05").description == "2026-W05")
        #expect(try ISOWeek(parsing: "2026-W53").week == 53)
        #expect(try ISOWeek(parsing: "2020-W53").week == 53)
        for bad in ["2025-W53", "2026-W54", "2026-W00", "2026-W1", "2026W47", "2026-w47", " 2026-W47", "2026-W47 ",
                    "26-W47", "2026-W4x", "", "0000-W01", "2026-47"] {
            #expect(throws: RewardError.invalidWeek, "\(bad)") { try ISOWeek(parsing: bad) }
        }
    }

    /// Every day of fifty years against Foundation's ISO 8601 calendar.
    @Test func agreesWithFoundationsISOCalendar() throws {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let first = try date("1995-01-01T00:00:00Z")
        for day in 0..<(50 * 366) {
            let instant = first.addingTimeInterval(Double(day) * 86_400 + 43_200)
            let week = ISOWeek(containing: instant)
            let year = calendar.component(.yearForWeekOfYear, from: instant)
            let number = calendar.component(.weekOfYear, from: instant)
            if week.year != year || week.week != number {
                Issue.record("\(Timestamp.iso8601(instant)): \(week) but Foundation says \(year)-W\(number)")
                return
            }
            #expect(week.start <= instant && instant < week.end)
        }
    }
}
