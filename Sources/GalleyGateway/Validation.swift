import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// Reads a JSON body or a query string field by field and collects every problem the
/// way FastAPI + pydantic v2 reported them (type, loc, msg, input, ctx), so apps that
/// parse the original's 422s keep working. Each reader returns a placeholder on a
/// problem; ``finish()`` throws 422000 when there was any.
struct Validation {
    /// `body` or `query`, the first element of every `loc`.
    let location: String
    private let fields: [String: JSONValue]
    /// What a missing field reports as `input`: the whole body object as received.
    private let whole: JSONValue
    private(set) var issues: [ValidationIssue] = []

    /// Query parameters (always strings; a repeated name counts with its last value).
    init(query: [String: String]) {
        location = "query"
        fields = query.mapValues { JSONValue.string($0) }
        whole = .object(JSONObject())
    }

    private init(body: JSONObject) {
        location = "body"
        var map: [String: JSONValue] = [:]
        for entry in body.entries { map[entry.key] = entry.value }
        fields = map
        whole = .object(body)
    }

    /// Decodes and reads the body in one go, for routes with nothing to check in between.
    static func body(of request: HTTPRequest) throws(APIError) -> Validation {
        try model(RequestBody.decode(request))
    }

    /// The body of a route whose model is a JSON object: no body (or `null`) is
    /// `missing`, anything but an object is `model_attributes_type`, as pydantic said.
    static func model(_ body: RequestBody) throws(APIError) -> Validation {
        guard let value = body.value else { throw .validation([.missing(["body"])]) }
        guard let object = value.objectValue else {
            throw .validation([ValidationIssue(
                type: "model_attributes_type", loc: ["body"],
                msg: "Input should be a valid dictionary or object to extract fields from", input: value)])
        }
        return Validation(body: object)
    }

    /// The body of a route that takes a plain JSON object (`dict`): `dict_type` otherwise.
    static func dictionary(_ body: RequestBody) throws(APIError) -> JSONObject {
        guard let value = body.value else { throw .validation([.missing(["body"])]) }
        guard let object = value.objectValue else {
            throw .validation([ValidationIssue(type: "dict_type", loc: ["body"], msg: "Input should be a valid dictionary",
                                               input: value)])
        }
        return object
    }

    func finish() throws(APIError) {
        if !issues.isEmpty { throw .validation(issues) }
    }

    /// Whether the field was sent at all (null counts as sent).
    func has(_ name: String) -> Bool { fields[name] != nil }

    /// The field's value as received.
    func raw(_ name: String) -> JSONValue? { fields[name] }

    // MARK: - Field readers

    private func loc(_ name: String, _ index: Int? = nil) -> [JSONValue] {
        var loc: [JSONValue] = [.string(location), .string(name)]
        if let index { loc.append(.int(Int64(index))) }
        return loc
    }

    private mutating func add(_ type: String, _ name: String, _ msg: String, input: JSONValue, index: Int? = nil,
                              ctx: JSONValue? = nil) {
        issues.append(ValidationIssue(type: type, loc: loc(name, index), msg: msg, input: input, ctx: ctx))
    }

    private mutating func addMissing(_ name: String) {
        issues.append(.missing(loc(name), input: whole))
    }

    /// A required string of `minLength...maxLength` characters (Unicode scalars, as Python counts).
    mutating func string(_ name: String, minLength: Int = 0, maxLength: Int) -> String {
        guard let value = fields[name] else {
            addMissing(name)
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
            add("string_type", name, "Input should be a valid string", input: value)
            return nil
        }
        let length = text.unicodeScalars.count
        if length < minLength {
            add("string_too_short", name, "String should have at least \(minLength) character\(minLength == 1 ? "" : "s")",
                input: value, ctx: ["min_length": .int(Int64(minLength))])
            return nil
        }
        if length > maxLength {
            add("string_too_long", name, "String should have at most \(maxLength) character\(maxLength == 1 ? "" : "s")",
                input: value, ctx: ["max_length": .int(Int64(maxLength))])
            return nil
        }
        // PostgreSQL text cannot hold NUL (the original failed on it with a 500): refuse it here.
        if text.utf8.contains(0) {
            add("value_error", name, "Value error, NUL characters are not allowed", input: value, ctx: ["error": "NUL character"])
            return nil
        }
        return text
    }

    /// One of `allowed`, reported as pydantic reports an enum.
    mutating func oneOf(_ name: String, _ allowed: [String]) -> String {
        guard let value = fields[name] else {
            addMissing(name)
            return ""
        }
        guard let text = value.stringValue, allowed.contains(text) else {
            add("enum", name, "Input should be \(Validation.alternatives(allowed))", input: value,
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
    /// Lax like pydantic: `3`, `3.0`, `"3"`, `" +3 "`, `"3.0"` and `"1_0"` are numbers.
    mutating func int(_ name: String, default fallback: Int?, in range: ClosedRange<Int>) -> Int {
        guard let value = fields[name] else {
            if let fallback { return fallback }
            addMissing(name)
            return range.lowerBound
        }
        guard let number = integer(value, name, index: nil) else { return fallback ?? range.lowerBound }
        return checkRange(number, value, name, range) ?? fallback ?? range.lowerBound
    }

    private mutating func checkRange(_ number: Int64, _ value: JSONValue, _ name: String, _ range: ClosedRange<Int>) -> Int? {
        if number < Int64(range.lowerBound) {
            add("greater_than_equal", name, "Input should be greater than or equal to \(range.lowerBound)", input: value,
                ctx: ["ge": .int(Int64(range.lowerBound))])
            return nil
        }
        if number > Int64(range.upperBound) {
            add("less_than_equal", name, "Input should be less than or equal to \(range.upperBound)", input: value,
                ctx: ["le": .int(Int64(range.upperBound))])
            return nil
        }
        return Int(number)
    }

    private mutating func integer(_ value: JSONValue, _ name: String, index: Int?) -> Int64? {
        switch value {
        case .int(let i):
            return i
        case .bool(let b):
            return b ? 1 : 0
        case .double(let d):
            if d.rounded() == d, abs(d) < 9.2e18 { return Int64(d) }
            if d.rounded() == d {
                add("int_parsing_size", name, "Unable to parse input string as an integer, exceeded maximum size", input: value,
                    index: index)
                return nil
            }
            add("int_from_float", name, "Input should be a valid integer, got a number with a fractional part", input: value,
                index: index)
            return nil
        case .string(let s):
            // A query number too large for 64 bits is still a number (pydantic has big ints).
            if let i = Validation.laxInteger(s, saturating: location == "query") { return i }
            add("int_parsing", name, "Input should be a valid integer, unable to parse string as an integer", input: value,
                index: index)
            return nil
        default:
            add("int_type", name, "Input should be a valid integer", input: value, index: index)
            return nil
        }
    }

    /// pydantic's integer from a string: Python's `int()` forms, also with a fraction of
    /// zeros (`"2.0"`, `"2."`).
    static func laxInteger(_ text: String, saturating: Bool = false) -> Int64? {
        if let value = PythonInt.parse(text, saturating: saturating) { return value }
        let trimmed = text.trimmingWhitespace()
        guard let dot = trimmed.firstIndex(of: "."), trimmed[trimmed.index(after: dot)...].allSatisfy({ $0 == "0" })
        else { return nil }
        return PythonInt.parse(trimmed[..<dot], saturating: saturating)
    }

    /// An optional list of integers (bounding boxes): nil when absent or null.
    mutating func optionalIntList(_ name: String, maxCount: Int = 64) -> [Int]? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard let items = value.arrayValue else {
            add("list_type", name, "Input should be a valid list", input: value)
            return nil
        }
        if items.count > maxCount {
            add("too_long", name, "List should have at most \(maxCount) items after validation, not \(items.count)",
                input: value, ctx: ["field_type": "List", "max_length": .int(Int64(maxCount)), "actual_length": .int(Int64(items.count))])
            return nil
        }
        var numbers: [Int] = []
        var ok = true
        for (index, item) in items.enumerated() {
            if let number = integer(item, name, index: index), let small = Int(exactly: number) { numbers.append(small) } else { ok = false }
        }
        return ok ? numbers : nil
    }

    /// A decimal as pydantic's `Decimal` took it (an integer, a float or a numeric
    /// string, any sign and precision), in a form PostgreSQL's `numeric` reads; the
    /// column's own precision rounds it, as it did for the original.
    mutating func decimal(_ name: String, default fallback: String) -> String {
        guard let value = fields[name] else { return fallback }
        let text: String
        switch value {
        case .int(let i): text = String(i)
        case .double(let d): text = "\(d)"
        case .string(let s): text = s.trimmingWhitespace()
        default:
            add("decimal_type", name, "Decimal input should be an integer, float, string or Decimal object", input: value)
            return fallback
        }
        guard let plain = Validation.numericText(text) else {
            if ["nan", "+nan", "-nan", "snan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"].contains(text.lowercased()) {
                add("finite_number", name, "Input should be a finite number", input: value)
            } else {
                add("decimal_parsing", name, "Input should be a valid decimal", input: value)
            }
            return fallback
        }
        return plain
    }

    /// Python `Decimal()` syntax for finite numbers (`-1.5`, `.5`, `5.`, `1e3`, `1_000`),
    /// underscores removed; nil when it is not one.
    static func numericText(_ text: String) -> String? {
        var out = ""
        var sawDigit = false, sawDot = false, sawExponent = false, previous: Character = " "
        for (offset, character) in text.enumerated() {
            switch character {
            case "0"..."9":
                sawDigit = true
                out.append(character)
            case "_":
                guard previous.isASCII, previous.isNumber else { return nil }
            case ".":
                guard !sawDot, !sawExponent else { return nil }
                sawDot = true
                out.append(character)
            case "e", "E":
                guard sawDigit, !sawExponent else { return nil }
                sawExponent = true
                sawDigit = false
                out.append("e")
            case "+", "-":
                guard offset == 0 || previous == "e" || previous == "E" else { return nil }
                out.append(character)
            default:
                return nil
            }
            previous = character
        }
        guard sawDigit, previous != "_", out.count <= 200 else { return nil }
        return out
    }
}
