/// Checks a router rule the way Traefik parses it (a Go expression of matcher calls joined by `&&`, `||`, `!`
/// and parentheses, with backtick- or double-quoted arguments), and knows each matcher's argument count.
public enum RuleChecker {
    /// Which routers a rule is for.
    public enum Kind: Sendable {
        case http
        case tcp
    }

    /// The problem with `rule`, or `nil` when Traefik would accept it. `syntax` is the router's `ruleSyntax`
    /// (`v3` when empty; `v2` is the deprecated Traefik 2 syntax, checked for shape only).
    public static func problem(in rule: String, kind: Kind, syntax: String?) -> String? {
        let tokens: [Token]
        do {
            tokens = try tokenize(rule)
        } catch {
            return error.message
        }
        let syntax = (syntax ?? "").isEmpty ? "v3" : syntax!.lowercased()
        var parser = Parser(tokens: tokens, matchers: matchers(kind: kind, syntax: syntax), checksPaths: syntax != "v2")
        do throws(RuleError) {
            try parser.parseExpression()
        } catch {
            return error.message
        }
        guard parser.position == tokens.count else {
            return "unexpected \(tokens[parser.position]) in rule"
        }
        return nil
    }

    /// Matcher name → allowed argument counts (`nil`: any number, at least one).
    static func matchers(kind: Kind, syntax: String) -> [String: ClosedRange<Int>?] {
        switch (kind, syntax.lowercased()) {
        case (.http, "v2"):
            return Dictionary(uniqueKeysWithValues: [
                "Headers", "HeadersRegexp", "Host", "HostHeader", "HostRegexp", "Method", "Path", "PathPrefix",
                "Query", "ClientIP",
            ].map { ($0, nil) })
        case (.http, _):
            return [
                "ClientIP": 1...1, "Method": 1...1, "Host": 1...1, "HostRegexp": 1...1, "Path": 1...1,
                "PathRegexp": 1...1, "PathPrefix": 1...1, "Header": 2...2, "HeaderRegexp": 2...2,
                "Query": 1...2, "QueryRegexp": 1...2,
            ]
        case (.tcp, "v2"):
            return ["HostSNI": nil, "HostSNIRegexp": nil, "ClientIP": nil, "ALPN": nil]
        case (.tcp, _):
            return ["ALPN": 1...1, "ClientIP": 1...1, "HostSNI": 1...1, "HostSNIRegexp": 1...1]
        }
    }

    struct RuleError: Error {
        let message: String
    }

    enum Token: Equatable, CustomStringConvertible {
        case identifier(String)
        case string(String)
        case open, close, comma, and, or, not

        var description: String {
            switch self {
            case .identifier(let name): return "\"\(name)\""
            case .string(let text): return "string \"\(text)\""
            case .open: return "\"(\""
            case .close: return "\")\""
            case .comma: return "\",\""
            case .and: return "\"&&\""
            case .or: return "\"||\""
            case .not: return "\"!\""
            }
        }
    }

    static func tokenize(_ rule: String) throws(RuleError) -> [Token] {
        var tokens: [Token] = []
        var index = rule.startIndex
        func next(_ offset: Int = 1) -> Character? {
            rule.index(index, offsetBy: offset, limitedBy: rule.endIndex).flatMap { $0 < rule.endIndex ? rule[$0] : nil }
        }
        while index < rule.endIndex {
            let character = rule[index]
            switch character {
            case " ", "\t", "\n", "\r":
                index = rule.index(after: index)
            case "(": tokens.append(.open); index = rule.index(after: index)
            case ")": tokens.append(.close); index = rule.index(after: index)
            case ",": tokens.append(.comma); index = rule.index(after: index)
            case "!": tokens.append(.not); index = rule.index(after: index)
            case "&", "|":
                guard next() == character else { throw RuleError(message: "single \"\(character)\" in rule (use && or ||)") }
                tokens.append(character == "&" ? .and : .or)
                index = rule.index(index, offsetBy: 2)
            case "`":
                guard let end = rule[rule.index(after: index)...].firstIndex(of: "`") else {
                    throw RuleError(message: "unterminated `string` in rule")
                }
                tokens.append(.string(String(rule[rule.index(after: index)..<end])))
                index = rule.index(after: end)
            case "\"":
                var text = ""
                var cursor = rule.index(after: index)
                var closed = false
                while cursor < rule.endIndex {
                    let c = rule[cursor]
                    if c == "\\" {
                        cursor = rule.index(after: cursor)
                        guard cursor < rule.endIndex else { break }
                        text.append(rule[cursor])
                    } else if c == "\"" {
                        closed = true
                        break
                    } else if c == "\n" {
                        break
                    } else {
                        text.append(c)
                    }
                    cursor = rule.index(after: cursor)
                }
                guard closed else { throw RuleError(message: "unterminated \"string\" in rule") }
                tokens.append(.string(text))
                index = rule.index(after: cursor)
            default:
                guard character.isLetter || character == "_" else {
                    throw RuleError(message: "unexpected character \"\(character)\" in rule")
                }
                var cursor = index
                while cursor < rule.endIndex, rule[cursor].isLetter || rule[cursor].isNumber || rule[cursor] == "_" {
                    cursor = rule.index(after: cursor)
                }
                tokens.append(.identifier(String(rule[index..<cursor])))
                index = cursor
            }
        }
        return tokens
    }

    struct Parser {
        let tokens: [Token]
        let matchers: [String: ClosedRange<Int>?]
        /// Traefik 3 requires `Path` and `PathPrefix` values to start with `/`.
        let checksPaths: Bool
        var position = 0

        mutating func parseExpression() throws(RuleError) {
            try parseAnd()
            while position < tokens.count, tokens[position] == .or {
                position += 1
                try parseAnd()
            }
        }

        private mutating func parseAnd() throws(RuleError) {
            try parseUnary()
            while position < tokens.count, tokens[position] == .and {
                position += 1
                try parseUnary()
            }
        }

        private mutating func parseUnary() throws(RuleError) {
            guard position < tokens.count else { throw RuleError(message: "the rule ends too early") }
            switch tokens[position] {
            case .not:
                position += 1
                try parseUnary()
            case .open:
                position += 1
                try parseExpression()
                guard position < tokens.count, tokens[position] == .close else {
                    throw RuleError(message: "missing \")\" in rule")
                }
                position += 1
            case .identifier(let name):
                position += 1
                try parseCall(name)
            case let token:
                throw RuleError(message: "unexpected \(token) in rule")
            }
        }

        private mutating func parseCall(_ name: String) throws(RuleError) {
            guard let matcher = lookup(name) else {
                let known = matchers.keys.sorted().joined(separator: ", ")
                throw RuleError(message: "unknown matcher \"\(name)\" (known: \(known))")
            }
            guard position < tokens.count, tokens[position] == .open else {
                throw RuleError(message: "matcher \(name) must be followed by \"(\"")
            }
            position += 1
            var arguments: [String] = []
            if position < tokens.count, tokens[position] == .close {
                position += 1
            } else {
                while true {
                    guard position < tokens.count, case .string(let argument) = tokens[position] else {
                        throw RuleError(message: "matcher \(name) takes quoted arguments (`value`)")
                    }
                    arguments.append(argument)
                    position += 1
                    guard position < tokens.count else { throw RuleError(message: "missing \")\" after \(name) arguments") }
                    if tokens[position] == .close { position += 1; break }
                    guard tokens[position] == .comma else { throw RuleError(message: "expected \",\" or \")\" in \(name)(...)") }
                    position += 1
                }
            }
            guard !arguments.isEmpty else { throw RuleError(message: "no arguments for matcher \(matcher.name)") }
            if arguments.contains(where: \.isEmpty) {
                throw RuleError(message: "empty argument for matcher \(matcher.name)")
            }
            if let counts = matcher.counts, !counts.contains(arguments.count) {
                let expected = counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound) or \(counts.upperBound)"
                throw RuleError(message: "matcher \(matcher.name) takes \(expected) argument(s), got \(arguments.count)")
            }
            if matcher.name == "Path" || matcher.name == "PathPrefix", checksPaths,
                let bad = arguments.first(where: { !$0.startsWithSeparator("/") })
            {
                throw RuleError(message: "path \"\(bad)\" does not start with a \"/\"")
            }
            if matcher.name == "Host" || matcher.name == "HostSNI", let bad = arguments.first(where: { !$0.allSatisfy(\.isASCII) }) {
                throw RuleError(message: "invalid value \"\(bad)\" for \(matcher.name): non-ASCII characters are not allowed")
            }
        }

        /// Traefik accepts a matcher's name as written, lower-case, upper-case or title-case.
        private func lookup(_ name: String) -> (name: String, counts: ClosedRange<Int>?)? {
            for (canonical, counts) in matchers {
                let title = canonical.prefix(1).uppercased() + canonical.dropFirst().lowercased()
                if name == canonical || name == canonical.lowercased() || name == canonical.uppercased() || name == title {
                    return (canonical, counts)
                }
            }
            return nil
        }
    }
}
