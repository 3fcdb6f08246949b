/// Finds TOML table headers that toml++ (the C++ parser inside TOMLKit) cannot survive.
///
/// toml++ 3 asserts, and so aborts the whole process, when a table header's key starts with a character that
/// can begin neither a bare key nor a quoted one (`[(a]`, `[[ {x]]`): it checks for a premature `]` and
/// nothing else before its key parser's assertion. A configuration file must never be able to stop the
/// coordinator (found by fuzzing), so such headers are reported as errors before the text reaches toml++.
///
/// The scan follows just enough of TOML to know where statements start: strings (basic, literal, and their
/// multi-line forms), comments, and the nesting of arrays and inline tables in values.
enum TOMLHeaderGuard {
    /// The 1-based line of the first header toml++ would abort on, or nil.
    static func firstUnsafeHeader(in text: String) -> Int? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var depth = 0  // open `[` and `{` of values
        var atStatementStart = true
        while index < bytes.count {
            let byte = bytes[index]
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
                if cursor >= bytes.count || !startsKey(bytes[cursor]) { return line }
                atStatementStart = false
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                atStatementStart = false
                depth += 1
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
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
