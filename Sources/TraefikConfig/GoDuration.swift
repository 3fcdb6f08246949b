/// Durations exactly as Traefik reads and prints them (Go's `time.ParseDuration` and `Duration.String`, plus
/// paerser's rule that a bare integer counts seconds).
public enum GoDuration {
    /// Parses a duration into nanoseconds: a bare integer is seconds (`30` is 30 s), anything else follows Go's
    /// `time.ParseDuration` (`1h2m3.5s`, `500ms`, `-1.5h`, `0`). Returns `nil` where Traefik would fail.
    public static func parse(_ text: String) -> Int64? {
        if let seconds = Int64(text), isGoDecimalInteger(text) {
            let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            return overflow ? nil : nanoseconds
        }
        return parseGo(text)
    }

    /// Go's `time.Duration.String()`: `1h0m0s`, `1m30s`, `1.5s`, `500ms`, `2µs`, `0s`.
    public static func format(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        var text: String
        if magnitude < 1_000_000_000 {
            // Below one second: the largest unit of ns, µs, ms, with a fraction.
            let (unit, scale): (String, UInt64) =
                magnitude < 1_000 ? ("ns", 1) : magnitude < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            text = fixed(magnitude, scale: scale) + unit
        } else {
            let hours = magnitude / 3_600_000_000_000
            let minutes = (magnitude / 60_000_000_000) % 60
            let secondsPart = magnitude % 60_000_000_000
            text = fixed(secondsPart, scale: 1_000_000_000) + "s"
            if hours > 0 {
                text = "\(hours)h\(minutes)m" + text
            } else if minutes > 0 {
                text = "\(minutes)m" + text
            }
        }
        return negative ? "-" + text : text
    }

    /// `value / scale` with the fractional digits Go prints (trailing zeros removed).
    private static func fixed(_ value: UInt64, scale: UInt64) -> String {
        let whole = value / scale
        var fraction = value % scale
        guard fraction != 0 else { return String(whole) }
        var digits = String(scale).count - 1
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let fractionText = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
    }

    /// `strconv.ParseInt(s, 10, 64)` accepts an optional sign and decimal digits only.
    static func isGoDecimalInteger(_ text: String) -> Bool {
        var rest = Substring(text)
        if let sign = rest.first, sign == "+" || sign == "-" { rest = rest.dropFirst() }
        return !rest.isEmpty && rest.allSatisfy(\.isASCIIDigit)
    }

    private static let units: [(String, UInt64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    private static func parseGo(_ text: String) -> Int64? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total: UInt64 = 0
        while !rest.isEmpty {
            let wholeDigits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(wholeDigits.count)
            var fractionDigits: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fractionDigits = rest.prefix(while: \.isASCIIDigit)
                rest = rest.dropFirst(fractionDigits.count)
            }
            guard !(wholeDigits.isEmpty && fractionDigits.isEmpty) else { return nil }
            let unitText = rest.prefix(while: { !$0.isASCIIDigit && $0 != "." })
            guard !unitText.isEmpty, let unit = units.first(where: { $0.0 == unitText })?.1 else { return nil }
            rest = rest.dropFirst(unitText.count)
            guard let whole = UInt64(wholeDigits.isEmpty ? "0" : wholeDigits) else { return nil }
            var (value, overflow) = whole.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            if !fractionDigits.isEmpty {
                // Go scales the fraction by the unit, truncating beyond nanosecond precision.
                var scale: Double = 1
                var fraction: Double = 0
                for digit in fractionDigits.prefix(19) {
                    scale *= 10
                    fraction = fraction * 10 + Double(digit.wholeNumberValue!)
                }
                let addition = UInt64((fraction * Double(unit) / scale).rounded(.down))
                (value, overflow) = value.addingReportingOverflow(addition)
                guard !overflow else { return nil }
            }
            (total, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { return nil }
        }
        if negative {
            guard total <= UInt64(Int64.max) + 1 else { return nil }
            return total == UInt64(Int64.max) + 1 ? Int64.min : -Int64(total)
        }
        guard total <= UInt64(Int64.max) else { return nil }
        return Int64(total)
    }
}
