/// One problem found in a dynamic configuration, naming the file, the path inside it and what Traefik would do.
///
/// Printed as `conf/dynamic/app.yml: http.routers.api.middlewares[2]: middleware "auth" is not defined (element
/// error)`.
public struct ConfigIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// What Traefik does with a configuration that has this problem.
    public enum Severity: String, Sendable, Hashable, CaseIterable {
        /// Traefik rejects the whole provider configuration (unknown field, unparsable value, broken file):
        /// no route from this provider is applied until the problem is removed.
        case fatal
        /// Traefik loads the rest, but marks this router, service or middleware as failed (missing service,
        /// broken rule), so its routes answer 404 or 500.
        case elementError = "element error"
        /// Traefik would read the file, but the value cannot be written to Redis keys without changing its
        /// meaning (a comma inside a list value, an empty header value, a name that is not a key segment).
        case notRepresentable = "not representable in Redis"
    }

    /// The file the problem is in, as given to the loader; `nil` for pairs read from Redis.
    public var file: String?
    /// The dotted path inside the configuration (`http.routers.api.middlewares[2]`); empty for the whole file.
    public var path: String
    /// What is wrong and, where it helps, what to do about it.
    public var message: String
    public var severity: Severity

    public init(file: String?, path: String, message: String, severity: Severity) {
        self.file = file
        self.path = path
        self.message = message
        self.severity = severity
    }

    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if !path.isEmpty { parts.append(path) }
        parts.append("\(message) (\(severity.rawValue))")
        return parts.joined(separator: ": ")
    }
}

/// The issues that made a configuration unusable; thrown by the loader and the KV parser.
public struct ConfigValidationError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return "invalid dynamic configuration (\(count)):\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}
