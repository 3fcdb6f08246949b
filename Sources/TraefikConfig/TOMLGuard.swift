/// Finds the TOML that toml++ (the C++ parser inside TOMLKit) cannot survive.
///
/// toml++ 3 asserts, and so aborts the whole process, on two shapes of invalid TOML (both found by fuzzing):
/// - a table header whose key starts with a character that can begin neither a bare key nor a quoted one
///   (`[(a]`, `[[ {x]]`): it checks for a premature `]` and nothing else before its key parser's assertion;
/// - a `}` where an array element is expected (`t = [}`, `t = [1, }`, also across blank lines and comments):
///   its array parser hands the `}` to the value parser, which asserts that it is not a value terminator.
///
/// A configuration file must never be able to stop the coordinator, so these are reported as errors before
/// the text reaches toml++. The scan follows just enough of TOML to know where statements start and where
/// array elements are due: strings (basic, literal, and their multi-line forms), comments, and the nesting of
/// arrays and inline tables in values.
enum TOMLGuard {
    /// What toml++ would abort on.
    enum Hazard: Equatable {
        case tableHeader
        case closingBraceInArray

        var message: String {
            switch self {
            case .tableHeader: return "a table header must start with a bare key or a quoted key"
            case .closingBraceInArray: return "`}` where an array element or `]` is expected"
            }
        }
    }

    /// The 1-based line of the first construct toml++ would abort on, and what it is; nil when there is none.
    static func firstHazard(in text: String) -> (line: Int, hazard: Hazard)? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var open: [UInt8] = []  // the `[` and `{` of values still open, innermost last
        var depth: Int { open.count }
        var expectingElement = false  // right after an array's `[` or `,`
        var atStatementStart = true
        while index < bytes.count {
            let byte = bytes[index]
            if expectingElement {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "#"):
                    break  // skipped by toml++ too, then the element is still due
                case UInt8(ascii: "}"):
                    return (line, .closingBraceInArray)
                default:
                    expectingElement = false
                }
            }
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                if depth == 0 { atStatementStart = true }
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                atStatementStart = false
                index = skipString(bytes, from: index, line: &line)
            case UInt8(ascii: "[") where atStatementStart && depth == 0:
                // A table header: `[` or `[[`, optional whitespace, then the key must start.
                var cursor = index + 1
                if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "[") { cursor += 1 }
                while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") || bytes[cursor] == UInt8(ascii: "\t") {
                    cursor += 1
                }
                if cursor >= bytes.count || !startsKey(bytes[cursor]) { return (line, .tableHeader) }
                atStatementStart = false
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                atStatementStart = false
                open.append(byte)
                expectingElement = byte == UInt8(ascii: "[")
                index += 1
            case UInt8(ascii: ","):
                atStatementStart = false
                expectingElement = open.last == UInt8(ascii: "[")
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                _ = open.popLast()
                index += 1
            default:
                atStatementStart = false
                index += 1
            }
        }
        return nil
    }

    /// A bare-key character, a quote, or `]` (which toml++ reports as an error itself). Anything else, a line
    /// break or a comment included, is invalid TOML here and is reported by us.
    private static func startsKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            return true
        default:
            return false  // anything else, non-ASCII included (`[é]`): TOML 1.0 bare keys are ASCII
        }
    }

    /// The index after the string starting at `start` (a quote), counting the lines it spans.
    private static func skipString(_ bytes: [UInt8], from start: Int, line: inout Int) -> Int {
        let quote = bytes[start]
        let isMultiline = start + 2 < bytes.count && bytes[start + 1] == quote && bytes[start + 2] == quote
        var index = start + (isMultiline ? 3 : 1)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\n") {
                line += 1
                if !isMultiline { return index }  // an unterminated string: toml++ reports it
            }
            if byte == quote {
                if !isMultiline { return index + 1 }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote { return index + 3 }
            }
            index += 1
        }
        return index
    }
}
