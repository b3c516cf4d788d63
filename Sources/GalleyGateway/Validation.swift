import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// Reads a JSON body or a query string field by field and collects every problem the
/// way FastAPI + pydantic v2 reported them (type, loc, msg), so apps that parse the
/// original's 422s keep working. Each reader returns a placeholder on a problem;
/// ``finish()`` throws 422000 when there was any.
struct Validation {
    /// `body` or `query`, the first element of every `loc`.
    let location: String
    private let fields: [String: JSONValue]
    private(set) var issues: [ValidationIssue] = []

    /// Query parameters (always strings).
    init(query: [String: String]) {
        location = "query"
        fields = query.mapValues { JSONValue.string($0) }
    }

    private init(body: JSONObject) {
        location = "body"
        var map: [String: JSONValue] = [:]
        for entry in body.entries { map[entry.key] = entry.value }
        fields = map
    }

    /// The body of a request whose model is a JSON object. A wrong content type, an empty
    /// body, broken JSON and a non-object are the 422s FastAPI gave for them.
    static func body(of request: HTTPRequest) throws(APIError) -> Validation {
        try Validation(body: jsonObject(of: request))
    }

    /// The parsed JSON object, or the 422 for why there is none.
    static func jsonObject(of request: HTTPRequest) throws(APIError) -> JSONObject {
        if let contentType = request.headers["Content-Type"], !isJSONContentType(contentType) {
            throw .validation([notAnObject()])
        }
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw .validation([.missing(["body"])])
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(request.body)
        } catch {
            if error.kind == .tooLarge { throw .bodyTooLarge }
            throw .validation([ValidationIssue(
                type: "json_invalid", loc: ["body", .int(Int64(error.offset))], msg: "JSON decode error",
                ctx: ["error": .string(error.reason)])])
        }
        guard let object = value.objectValue else { throw .validation([notAnObject()]) }
        return object
    }

    /// `application/json` or any `+json` type, parameters ignored (FastAPI's rule).
    static func isJSONContentType(_ header: String) -> Bool {
        let type = header.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingWhitespace().lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    private static func notAnObject() -> ValidationIssue {
        ValidationIssue(type: "model_attributes_type", loc: ["body"],
                        msg: "Input should be a valid dictionary or object to extract fields from")
    }

    func finish() throws(APIError) {
        if !issues.isEmpty { throw .validation(issues) }
    }

    /// Whether the field was sent at all (null counts as sent).
    func has(_ name: String) -> Bool { fields[name] != nil }

    // MARK: - Field readers

    private func loc(_ name: String, _ index: Int? = nil) -> [JSONValue] {
        var loc: [JSONValue] = [.string(location), .string(name)]
        if let index { loc.append(.int(Int64(index))) }
        return loc
    }

    private mutating func add(_ type: String, _ name: String, _ msg: String, index: Int? = nil, ctx: JSONValue? = nil) {
        issues.append(ValidationIssue(type: type, loc: loc(name, index), msg: msg, ctx: ctx))
    }

    /// A required string of `minLength...maxLength` characters (Unicode scalars, as Python counts).
    mutating func string(_ name: String, minLength: Int = 0, maxLength: Int) -> String {
        guard let value = fields[name] else {
            issues.append(.missing(loc(name)))
            return ""
        }
        return checkString(value, name, minLength: minLength, maxLength: maxLength) ?? ""
    }

    /// An optional string: nil when absent or null.
    mutating func optionalString(_ name: String, minLength: Int = 0, maxLength: Int) -> String? {
        guard let value = fields[name], !value.isNull else { return nil }
        return checkString(value, name, minLength: minLength, maxLength: maxLength)
    }

    /// A string with a default when absent.
    mutating func string(_ name: String, default fallback: String, minLength: Int = 0, maxLength: Int) -> String {
        guard let value = fields[name] else { return fallback }
        return checkString(value, name, minLength: minLength, maxLength: maxLength) ?? fallback
    }

    private mutating func checkString(_ value: JSONValue, _ name: String, minLength: Int, maxLength: Int) -> String? {
        guard let text = value.stringValue else {
            add("string_type", name, "Input should be a valid string")
            return nil
        }
        // PostgreSQL text cannot hold NUL; refuse it here rather than fail later.
        if text.utf8.contains(0) {
            add("value_error", name, "Value error, NUL characters are not allowed")
            return nil
        }
        let length = text.unicodeScalars.count
        if length < minLength {
            add("string_too_short", name, "String should have at least \(minLength) character\(minLength == 1 ? "" : "s")",
                ctx: ["min_length": .int(Int64(minLength))])
            return nil
        }
        if length > maxLength {
            add("string_too_long", name, "String should have at most \(maxLength) character\(maxLength == 1 ? "" : "s")",
                ctx: ["max_length": .int(Int64(maxLength))])
            return nil
        }
        return text
    }

    /// One of `allowed`, reported as pydantic reports an enum.
    mutating func oneOf(_ name: String, _ allowed: [String]) -> String {
        guard let value = fields[name] else {
            issues.append(.missing(loc(name)))
            return ""
        }
        guard let text = value.stringValue, allowed.contains(text) else {
            add("enum", name, "Input should be \(Validation.alternatives(allowed))",
                ctx: ["expected": .string(Validation.alternatives(allowed))])
            return ""
        }
        return text
    }

    /// `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
    static func alternatives(_ allowed: [String]) -> String {
        let quoted = allowed.map { "'\($0)'" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
    }

    /// An integer in `range`, `fallback` when absent (nil fallback: required).
    /// Lax like pydantic: `3`, `3.0` and `"3"` are 3.
    mutating func int(_ name: String, default fallback: Int?, in range: ClosedRange<Int>) -> Int {
        guard let value = fields[name] else {
            if let fallback { return fallback }
            issues.append(.missing(loc(name)))
            return range.lowerBound
        }
        guard let number = integer(value, name, index: nil) else { return fallback ?? range.lowerBound }
        return checkRange(number, name, range) ?? fallback ?? range.lowerBound
    }

    private mutating func checkRange(_ number: Int, _ name: String, _ range: ClosedRange<Int>) -> Int? {
        if number < range.lowerBound {
            add("greater_than_equal", name, "Input should be greater than or equal to \(range.lowerBound)",
                ctx: ["ge": .int(Int64(range.lowerBound))])
            return nil
        }
        if number > range.upperBound {
            add("less_than_equal", name, "Input should be less than or equal to \(range.upperBound)",
                ctx: ["le": .int(Int64(range.upperBound))])
            return nil
        }
        return number
    }

    private mutating func integer(_ value: JSONValue, _ name: String, index: Int?) -> Int? {
        switch value {
        case .int(let i):
            return Int(i)
        case .bool(let b):
            return b ? 1 : 0
        case .double(let d):
            if d.rounded() == d, abs(d) < 9.2e18 { return Int(d) }
            add("int_from_float", name, "Input should be a valid integer, got a number with a fractional part", index: index)
            return nil
        case .string(let s):
            if let i = Int(s.trimmingWhitespace()) { return i }
            add("int_parsing", name, "Input should be a valid integer, unable to parse string as an integer", index: index)
            return nil
        default:
            add("int_type", name, "Input should be a valid integer", index: index)
            return nil
        }
    }

    /// An optional list of integers (bounding boxes): nil when absent or null.
    mutating func optionalIntList(_ name: String, maxCount: Int = 64) -> [Int]? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard let items = value.arrayValue else {
            add("list_type", name, "Input should be a valid list")
            return nil
        }
        if items.count > maxCount {
            add("too_long", name, "List should have at most \(maxCount) items after validation, not \(items.count)",
                ctx: ["max_length": .int(Int64(maxCount))])
            return nil
        }
        var numbers: [Int] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let number = integer(item, name, index: index) { numbers.append(number) } else { ok = false }
        }
        return ok ? numbers : nil
    }

    /// A decimal with at most `places` fraction digits and `maxDigits` digits in all,
    /// in `0...`; returned normalized with exactly `places` decimals ("9.90").
    mutating func decimal(_ name: String, default fallback: String, places: Int, maxDigits: Int) -> String {
        guard let value = fields[name] else { return fallback }
        let text: String
        switch value {
        case .int(let i): text = String(i)
        case .double(let d) where d.isFinite: text = Validation.plainDecimal(d)
        case .string(let s): text = s.trimmingWhitespace()
        default:
            add("decimal_type", name, "Decimal input should be an integer, float, string or Decimal object")
            return fallback
        }
        guard let parsed = Validation.parseDecimal(text) else {
            add("decimal_parsing", name, "Input should be a valid decimal")
            return fallback
        }
        if parsed.fraction.count > places {
            add("decimal_max_places", name, "Decimal input should have no more than \(places) decimal place\(places == 1 ? "" : "s")",
                ctx: ["decimal_places": .int(Int64(places))])
            return fallback
        }
        let integerDigits = parsed.whole.drop { $0 == "0" }
        if integerDigits.count + places > maxDigits {
            add("decimal_max_digits", name, "Decimal input should have no more than \(maxDigits) digits in total",
                ctx: ["max_digits": .int(Int64(maxDigits))])
            return fallback
        }
        if parsed.negative && !(integerDigits.isEmpty && parsed.fraction.allSatisfy { $0 == "0" }) {
            add("greater_than_equal", name, "Input should be greater than or equal to 0", ctx: ["ge": "0"])
            return fallback
        }
        let whole = integerDigits.isEmpty ? "0" : String(integerDigits)
        let fraction = parsed.fraction + String(repeating: "0", count: places - parsed.fraction.count)
        return places == 0 ? whole : "\(whole).\(fraction)"
    }

    /// `-?digits(.digits)?`: the forms a price arrives in.
    static func parseDecimal(_ text: String) -> (negative: Bool, whole: String, fraction: String)? {
        var rest = Substring(text)
        var negative = false
        if rest.hasPrefix("-") { negative = true; rest = rest.dropFirst() } else if rest.hasPrefix("+") { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let wholePart = parts.first else { return nil }
        let fractionPart = parts.count > 1 ? parts[1] : ""
        guard !(wholePart.isEmpty && fractionPart.isEmpty), wholePart.count <= 40, fractionPart.count <= 40,
              wholePart.allSatisfy({ $0.isASCII && $0.isNumber }), fractionPart.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        if parts.count > 1 && fractionPart.isEmpty && wholePart.isEmpty { return nil }
        // Trailing zeros do not count as places ("9.90" has two, "9.900" too).
        var fraction = String(fractionPart)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (negative, wholePart.isEmpty ? "0" : String(wholePart), fraction)
    }

    /// A double written without an exponent, as Python's Decimal(str(float)) would read it.
    static func plainDecimal(_ value: Double) -> String {
        let text = "\(value)"
        guard text.contains("e") || text.contains("E") else { return text }
        return "invalid"
    }
}
