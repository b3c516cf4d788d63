import Synchronization

/// Counters, gauges and histograms rendered in Prometheus text format 0.0.4.
///
/// Metrics are created once and kept by their users (a route keeps its counter), so
/// the hot path is one atomic add, not a registry lookup.
public final class MetricsRegistry: Sendable {
    /// Labels as ordered pairs; the registry keys samples by their rendered form.
    public typealias Labels = [(String, String)]

    private enum Kind: String { case counter, gauge, histogram }

    private struct Family {
        var kind: Kind
        var help: String
        var order: [String] = []
        var counters: [String: Counter] = [:]
        var gauges: [String: Gauge] = [:]
        var histograms: [String: Histogram] = [:]
        var callbacks: [String: @Sendable () -> Double] = [:]
    }

    private struct State {
        var families: [String: Family] = [:]
        var familyOrder: [String] = []

        mutating func family(_ name: String, kind: Kind, help: String) -> Family {
            if let family = families[name] { return family }
            familyOrder.append(name)
            let family = Family(kind: kind, help: help)
            families[name] = family
            return family
        }
    }

    private let state = Mutex(State())

    public init() {}

    /// The process-wide registry that `/metrics` renders.
    public static let shared = MetricsRegistry()

    public func counter(_ name: String, help: String, labels: Labels = []) -> Counter {
        let key = MetricsRegistry.render(labels)
        return state.withLock { state in
            var family = state.family(name, kind: .counter, help: help)
            if let existing = family.counters[key] { return existing }
            let counter = Counter()
            family.counters[key] = counter
            family.order.append(key)
            state.families[name] = family
            return counter
        }
    }

    public func gauge(_ name: String, help: String, labels: Labels = []) -> Gauge {
        let key = MetricsRegistry.render(labels)
        return state.withLock { state in
            var family = state.family(name, kind: .gauge, help: help)
            if let existing = family.gauges[key] { return existing }
            let gauge = Gauge()
            family.gauges[key] = gauge
            family.order.append(key)
            state.families[name] = family
            return gauge
        }
    }

    /// A gauge whose value is read when the registry renders (pool sizes, stream lag).
    public func gauge(_ name: String, help: String, labels: Labels = [], read: @escaping @Sendable () -> Double) {
        let key = MetricsRegistry.render(labels)
        state.withLock { state in
            var family = state.family(name, kind: .gauge, help: help)
            if family.callbacks[key] == nil && family.gauges[key] == nil { family.order.append(key) }
            family.callbacks[key] = read
            state.families[name] = family
        }
    }

    public func histogram(_ name: String, help: String, labels: Labels = [], buckets: [Double] = Histogram.defaultBuckets) -> Histogram {
        let key = MetricsRegistry.render(labels)
        return state.withLock { state in
            var family = state.family(name, kind: .histogram, help: help)
            if let existing = family.histograms[key] { return existing }
            let histogram = Histogram(buckets: buckets)
            family.histograms[key] = histogram
            family.order.append(key)
            state.families[name] = family
            return histogram
        }
    }

    /// Prometheus text exposition format 0.0.4.
    public func render() -> String {
        let snapshot = state.withLock { state in state.familyOrder.compactMap { name in state.families[name].map { (name, $0) } } }
        var out = ""
        out.reserveCapacity(4096)
        for (name, family) in snapshot {
            out += "# HELP \(name) \(MetricsRegistry.escapeHelp(family.help))\n# TYPE \(name) \(family.kind.rawValue)\n"
            for key in family.order {
                let braces = key.isEmpty ? "" : "{\(key)}"
                switch family.kind {
                case .counter:
                    if let counter = family.counters[key] { out += "\(name)\(braces) \(counter.value)\n" }
                case .gauge:
                    if let read = family.callbacks[key] {
                        out += "\(name)\(braces) \(MetricsRegistry.format(read()))\n"
                    } else if let gauge = family.gauges[key] {
                        out += "\(name)\(braces) \(MetricsRegistry.format(gauge.value))\n"
                    }
                case .histogram:
                    guard let histogram = family.histograms[key] else { continue }
                    let snapshot = histogram.snapshot()
                    let prefix = key.isEmpty ? "" : key + ","
                    var cumulative: UInt64 = 0
                    for (bound, count) in zip(histogram.buckets, snapshot.counts) {
                        cumulative += count
                        out += "\(name)_bucket{\(prefix)le=\"\(MetricsRegistry.format(bound))\"} \(cumulative)\n"
                    }
                    out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(snapshot.count)\n"
                    out += "\(name)_sum\(braces) \(MetricsRegistry.format(snapshot.sum))\n"
                    out += "\(name)_count\(braces) \(snapshot.count)\n"
                }
            }
        }
        return out
    }

    static func render(_ labels: Labels) -> String {
        labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",")
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// A monotonically increasing count.
public final class Counter: Sendable {
    private let storage = Atomic<UInt64>(0)
    public init() {}
    public func increment(by amount: UInt64 = 1) { storage.wrappingAdd(amount, ordering: .relaxed) }
    public var value: UInt64 { storage.load(ordering: .relaxed) }
}

/// A value that goes up and down.
public final class Gauge: Sendable {
    private let storage = Atomic<UInt64>(0.0.bitPattern)
    public init() {}
    public func set(_ value: Double) { storage.store(value.bitPattern, ordering: .relaxed) }
    public func add(_ delta: Double) {
        var current = storage.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + delta).bitPattern
            let (exchanged, original) = storage.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
    public func increment() { add(1) }
    public func decrement() { add(-1) }
    public var value: Double { Double(bitPattern: storage.load(ordering: .relaxed)) }
}

/// Observations sorted into cumulative buckets, plus their sum and count.
public final class Histogram: Sendable {
    /// Seconds from 0.5 ms to 10 s: request latencies and provider polls both fit.
    public static let defaultBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public let buckets: [Double]
    private struct Data { var counts: [UInt64]; var sum: Double; var count: UInt64 }
    private let data: Mutex<Data>

    public init(buckets: [Double]) {
        self.buckets = buckets.sorted()
        data = Mutex(Data(counts: Array(repeating: 0, count: buckets.count), sum: 0, count: 0))
    }

    public func observe(_ value: Double) {
        let index = buckets.firstIndex(where: { value <= $0 })
        data.withLock { data in
            if let index { data.counts[index] += 1 }
            data.sum += value
            data.count += 1
        }
    }

    /// Per-bucket (non-cumulative) counts, sum and total count.
    public func snapshot() -> (counts: [UInt64], sum: Double, count: UInt64) {
        data.withLock { ($0.counts, $0.sum, $0.count) }
    }
}
