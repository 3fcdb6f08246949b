import Foundation
import TOMLKit
import Yams

/// Decodes the text of one dynamic-configuration file into a `RawConfigValue`, the way Traefik's file provider
/// (traefik/paerser with yaml.v3 and BurntSushi/toml) sees it.
///
/// JSON is read with the YAML decoder, as Traefik does. Scalars are resolved like yaml.v3 resolves plain
/// scalars into `interface{}`: quoted scalars are strings; plain `true`/`false` are booleans, plain integers
/// (with `0x`/`0o`/`0b` prefixes and `_` separators) are integers, plain decimals are floats, `null`/`~`/empty
/// are nulls (and dropped); everything else, timestamps included, is a string.
public enum ConfigFileDecoder {
    /// Decodes `text`. `file` only names the file in errors.
    public static func decode(_ text: String, format: ConfigFileFormat, file: String) throws(ConfigIssue) -> RawConfigValue {
        // A NUL byte is never valid in YAML, TOML or JSON text, and the TOML parser (C++) stops reading at it:
        // a file with one would silently become a shorter, possibly empty configuration, and publishing that
        // would remove routes. (Found by fuzzing.)
        if let offset = text.utf8.firstIndex(of: 0).map({ text.utf8.distance(from: text.utf8.startIndex, to: $0) }) {
            throw ConfigIssue(
                file: file, path: "",
                message: "contains a NUL byte at offset \(offset): binary data, not a configuration file", severity: .fatal)
        }
        switch format {
        case .yaml, .json: return try decodeYAML(text, file: file)
        case .toml: return try decodeTOML(text, file: file)
        }
    }

    // MARK: YAML and JSON

    /// How many nodes aliases may add to a document, beyond one per byte of its text. A document of aliases to
    /// aliases ("billion laughs") would otherwise expand to billions of nodes; yaml.v3, which Traefik uses,
    /// refuses such documents too ("excessive aliasing").
    static let aliasExpansionAllowance = 1_000_000

    private static func decodeYAML(_ text: String, file: String) throws(ConfigIssue) -> RawConfigValue {
        let root: Node?
        do {
            // Scalars are typed by `resolveScalar` (yaml.v3's rules), never by Yams' tags: the basic resolver
            // skips Yams' regular-expression tag resolution, which its duplicate-key check ran for every key
            // (a third of a whole `validate`, measured with callgrind).
            root = try YAMLReader.compose(text, resolver: .basic)
        } catch .invalid(let summary) {
            throw ConfigIssue(file: file, path: "", message: "not valid YAML/JSON: \(summary)", severity: .fatal)
        } catch {
            throw ConfigIssue(file: file, path: "", message: error.description, severity: .fatal)
        }
        guard let root else { return .map([]) }
        guard case .mapping = root else {
            throw ConfigIssue(
                file: file, path: "", message: "the top level must be a mapping with http, tcp, udp or tls",
                severity: .fatal)
        }
        // Without aliases a document has at most about one node per byte; Yams shares an aliased node, but the
        // conversion below expands it wherever it is used.
        var nodeBudget = text.utf8.count + aliasExpansionAllowance
        return try convert(root, path: "", file: file, budget: &nodeBudget) ?? .map([])
    }

    private static func convert(
        _ node: Node, path: String, file: String, budget: inout Int
    ) throws(ConfigIssue) -> RawConfigValue? {
        budget -= 1
        guard budget >= 0 else {
            throw ConfigIssue(
                file: file, path: path,
                message: "excessive aliasing: aliases expand the document by more than \(aliasExpansionAllowance) nodes",
                severity: .fatal)
        }
        switch node {
        case .scalar(let scalar):
            return resolveScalar(scalar)
        case .sequence(let sequence):
            var items: [RawConfigValue] = []
            for (index, item) in sequence.enumerated() {
                // yaml.v3 keeps nulls inside sequences; paerser then turns them into empty values.
                items.append(try convert(item, path: "\(path)[\(index)]", file: file, budget: &budget) ?? .scalar(""))
            }
            return .list(items)
        case .mapping(let mapping):
            var entries: [RawConfigEntry] = []
            var seen: Set<String> = []
            var merged: [RawConfigEntry] = []
            for (keyNode, valueNode) in mapping {
                let key = keyNode.scalar?.string ?? "\(keyNode)"
                if key == "<<", keyNode.scalar?.style == .plain {
                    // YAML merge key: entries of the merged mapping(s) that the mapping does not set itself.
                    let sources = valueNode.sequence.map(Array.init) ?? [valueNode]
                    for source in sources {
                        if case .map(let sourceEntries)? = try convert(source, path: path, file: file, budget: &budget) {
                            merged.append(contentsOf: sourceEntries)
                        }
                    }
                    continue
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard seen.insert(key).inserted else {
                    throw ConfigIssue(
                        file: file, path: childPath, message: "key \"\(key)\" is defined twice in the same mapping",
                        severity: .fatal)
                }
                if let value = try convert(valueNode, path: childPath, file: file, budget: &budget) {
                    entries.append(RawConfigEntry(key: key, value: value))
                }
            }
            for entry in merged where seen.insert(entry.key).inserted {
                entries.append(entry)
            }
            return .map(entries)
        case .alias:
            return nil
        }
    }

    private static func resolveScalar(_ scalar: Node.Scalar) -> RawConfigValue? {
        let text = scalar.string
        guard scalar.style == .plain else { return .scalar(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return nil
        case "true", "True", "TRUE": return .scalar("true")
        case "false", "False", "FALSE": return .scalar("false")
        default: break
        }
        // Numbers start with a digit, a sign or a dot (`.5`, `.inf`); most scalars (names, rules, URLs) do not.
        guard let first = text.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
            || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
        else { return .scalar(text) }
        if let integer = parseYAMLInteger(text) { return .scalar(integer) }
        if let float = parseYAMLFloat(text) { return .scalar(formatFloat(float)) }
        return .scalar(text)
    }

    /// `text` without `_` (digit separators), copied only when it has one.
    static func withoutUnderscores(_ text: String) -> String {
        text.utf8.contains(UInt8(ascii: "_")) ? String(text.filter { $0 != "_" }) : text
    }

    /// yaml.v3: underscores removed, then Go's `strconv.ParseInt(s, 0, 64)` (or `ParseUint`).
    static func parseYAMLInteger(_ text: String) -> String? {
        var digits = Substring(withoutUnderscores(text))
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var radix = 10
        let lower = digits.lowercased()
        if lower.hasPrefix("0x") {
            radix = 16; digits = digits.dropFirst(2)
        } else if lower.hasPrefix("0o") {
            radix = 8; digits = digits.dropFirst(2)
        } else if lower.hasPrefix("0b") {
            radix = 2; digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.first == "0" {
            radix = 8; digits = digits.dropFirst()
        }
        guard !digits.isEmpty, let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == 0 ? "0" : "-\(magnitude)"
        }
        return String(magnitude)
    }

    static func parseYAMLFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let plain = withoutUnderscores(text)
        // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
        var scalars = Substring(plain)
        if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
        let mantissaEnd = scalars.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? scalars.endIndex
        let mantissa = scalars[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
        if parts.count == 1 && parts[0].isEmpty { return nil }
        if parts.count == 2 && parts[0].isEmpty && parts[1].isEmpty { return nil }
        if mantissaEnd != scalars.endIndex {
            var exponent = scalars[scalars.index(after: mantissaEnd)...]
            if let sign = exponent.first, sign == "+" || sign == "-" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy(\.isASCIIDigit) else { return nil }
        }
        return Double(plain)
    }

    /// paerser: `strconv.FormatFloat(f, 'f', 6, 64)` with a trailing `.000000` removed.
    static func formatFloat(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let text = String(format: "%.6f", value)
        return text.hasSuffix(".000000") ? String(text.dropLast(7)) : text
    }

    // MARK: TOML

    private static func decodeTOML(_ text: String, file: String) throws(ConfigIssue) -> RawConfigValue {
        if let (line, hazard) = TOMLGuard.firstHazard(in: text) {
            throw ConfigIssue(file: file, path: "", message: "not valid TOML at line \(line): \(hazard.message)", severity: .fatal)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigIssue(
                file: file, path: "",
                message: "not valid TOML: \(error.description) at line \(error.source.begin.line), column \(error.source.begin.column)",
                severity: .fatal)
        } catch {
            throw ConfigIssue(file: file, path: "", message: "not valid TOML: \(error)", severity: .fatal)
        }
        return try convert(table, path: "", file: file)
    }

    private static func convert(_ table: TOMLTable, path: String, file: String) throws(ConfigIssue) -> RawConfigValue {
        var entries: [RawConfigEntry] = []
        for key in table.keys {
            guard let value = table[key] else { continue }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            entries.append(RawConfigEntry(key: key, value: try convert(value, path: childPath, file: file)))
        }
        return .map(entries)
    }

    private static func convert(_ value: any TOMLValueConvertible, path: String, file: String) throws(ConfigIssue) -> RawConfigValue {
        switch value.type {
        case .table:
            return try convert(value.table!, path: path, file: file)
        case .array:
            var items: [RawConfigValue] = []
            for (index, item) in value.array!.enumerated() {
                if item.type == .array {
                    throw ConfigIssue(
                        file: file, path: "\(path)[\(index)]", message: "nested arrays are not supported by Traefik",
                        severity: .fatal)
                }
                items.append(try convert(item, path: "\(path)[\(index)]", file: file))
            }
            return .list(items)
        case .string:
            return .scalar(value.string!)
        case .int:
            return .scalar(String(value.int!))
        case .double:
            return .scalar(formatFloat(value.double!))
        case .bool:
            return .scalar(value.bool! ? "true" : "false")
        case .date, .time, .dateTime:
            throw ConfigIssue(
                file: file, path: path,
                message: "TOML dates and times are not supported by Traefik; quote the value to make it a string",
                severity: .fatal)
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
