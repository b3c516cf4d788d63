/// Python's `int(str)` for the texts the original passed through it (a token's `sub`,
/// query and path integers): surrounding whitespace, a sign, and single underscores
/// between ASCII digits are accepted (`" 12 "`, `"+2"`, `"1_0"`); nil when Python would raise.
/// A value beyond 64 bits is nil, or the nearest bound when `saturating`.
enum PythonInt {
    static func parse(_ text: some StringProtocol, saturating: Bool = false) -> Int64? {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, isSpace(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, isSpace(last) { scalars = scalars.dropLast() }
        var negative = false
        if let sign = scalars.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            scalars = scalars.dropFirst()
        }
        guard let first = scalars.first, isDigit(first), let last = scalars.last, last != "_" else { return nil }
        var value: Int64 = 0
        var previousUnderscore = false
        for scalar in scalars {
            if scalar == "_" {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard isDigit(scalar) else { return nil }
            let digit = Int64(scalar.value - 0x30)
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            if overflow1 || overflow2 {
                guard saturating else { return nil }
                value = negative ? .min : .max
                continue
            }
            value = sum
        }
        return value
    }

    /// ASCII digits only: pydantic refuses other scripts' digits (`"٣"`), which Python's `int()` took.
    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { (0x30...0x39).contains(scalar.value) }

    /// Python's `str.strip()` whitespace (ASCII and Unicode spaces).
    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }
}
