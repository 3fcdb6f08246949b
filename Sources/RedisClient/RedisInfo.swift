/// An `INFO` report: `# Section` headers and `field:value` lines.
public struct RedisInfo: Sendable, Hashable {
    /// The report as the server sent it.
    public let text: String
    /// Fields by lower-cased section name (`server`, `replication`, `commandstats`, ...).
    public let sections: [String: [String: String]]

    /// Parses an `INFO` report.
    public init(_ text: String) {
        self.text = text
        var sections: [String: [String: String]] = [:]
        var current = ""
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: " \r")
            if line.hasPrefix("#") {
                current = line.dropFirst().trimmingCharacters(in: " ").lowercased()
            } else if let colon = line.firstIndex(of: ":") {
                sections[current, default: [:]][String(line[..<colon])] = String(line[line.index(after: colon)...])
            }
        }
        self.sections = sections
    }

    /// A field from any section (`redis_version`, `role`, `cmdstat_set`, ...).
    public subscript(field: String) -> String? {
        for fields in sections.values {
            if let value = fields[field] { return value }
        }
        return nil
    }

    /// The number of calls of a command from `INFO commandstats` (`calls=` of `cmdstat_<name>`), 0 if absent.
    public func calls(of command: String) -> Int {
        guard let stats = self["cmdstat_\(command.lowercased())"] else { return 0 }
        for part in stats.split(separator: ",") where part.hasPrefix("calls=") {
            return Int(part.dropFirst("calls=".count)) ?? 0
        }
        return 0
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> Substring {
        var result = self
        while let first = result.first, characters.contains(first) { result = result.dropFirst() }
        while let last = result.last, characters.contains(last) { result = result.dropLast() }
        return result
    }
}
