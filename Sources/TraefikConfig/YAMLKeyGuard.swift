/// Finds the mapping keys that are not plain names, before the YAML reaches Yams.
///
/// Yams checks every mapping for duplicate keys by hashing and, when it finds some, sorting them. A key that is
/// a collection (an explicit `? key`, `[a]: b`, `{a: b}: c`) whose own keys are collections, nested, makes that
/// sort compare exponentially often: a 3 KB file of nested `? ? -` (found by fuzzing) took 5 seconds to reject.
/// An alias used as a key (`*shared: x`) is hashed with everything the anchor expands to, so an alias to a
/// "billion laughs" structure never finishes.
///
/// Traefik's dynamic configuration only ever has plain names as keys, so these forms are reported as errors,
/// with their line, before Yams is called. The scan follows just enough of YAML to know where a node may start:
/// quoted scalars (also across lines), comments, block scalars (`|`, `>`, whose lines are text) and flow
/// collections. It errs on the side of not reporting: something it cannot place is left to Yams.
enum YAMLKeyGuard {
    /// A key form that is refused.
    enum Hazard: Equatable {
        case explicitKey
        case collectionKey
        case aliasKey

        var message: String {
            switch self {
            case .explicitKey:
                return "an explicit key (`? `) is not supported: keys in a Traefik configuration are plain names (`name: value`)"
            case .collectionKey:
                return "a list or mapping used as a key is not supported: keys in a Traefik configuration are plain names"
            case .aliasKey:
                return "an alias (`*name`) used as a key is not supported: keys in a Traefik configuration are plain names"
            }
        }
    }

    /// The 1-based line of the first refused key, and its form; nil when there is none.
    static func firstHazard(in text: String) -> (line: Int, hazard: Hazard)? {
        var scanner = Scanner(bytes: Array(text.utf8))
        return scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var lineStart = 0  // the index where the current line starts
        var flowDepth = 0
        /// A node may start here (after indentation, `- `, `? `, `: `, `[`, `{` or `,`).
        var atNodeStart = true
        /// The column of the node that a block scalar started on this line would belong to: the last key's
        /// column after `key: `, the dash's column after `- `.
        var parentColumn = 0
        var lastTokenColumn = 0
        /// Inside a block scalar: its lines are those indented deeper than this column (and blank lines).
        var blockScalarParentColumn: Int?
        var blockScalarStartsNextLine = false
        /// Where the last quoted scalar ended, moved on past blanks after it: a `:` there is a value indicator
        /// even without a blank after it (`{"a":"b"}`).
        var quotedScalarEnd = -1

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() -> (line: Int, hazard: Hazard)? {
            beginLine()
            while index < bytes.count {
                let byte = bytes[index]
                let followsQuotedScalar = index == quotedScalarEnd
                switch byte {
                case UInt8(ascii: "\n"):
                    endLine()
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    index += 1
                    if followsQuotedScalar { quotedScalarEnd = index }
                case UInt8(ascii: "#") where index == lineStart || isBlank(at: index - 1):
                    skipToEndOfLine()
                case UInt8(ascii: "\"") where atNodeStart, UInt8(ascii: "'") where atNodeStart:
                    lastTokenColumn = column
                    skipQuoted()
                    quotedScalarEnd = index
                    atNodeStart = false
                case UInt8(ascii: "?") where atNodeStart && isSeparated(after: index):
                    return (line, .explicitKey)
                case UInt8(ascii: "-") where atNodeStart && flowDepth == 0 && isSeparated(after: index):
                    parentColumn = column
                    index += 1
                case UInt8(ascii: ":") where isValueIndicator(at: index, afterQuotedScalar: followsQuotedScalar):
                    parentColumn = lastTokenColumn
                    atNodeStart = true
                    index += 1
                case UInt8(ascii: "[") where atNodeStart || flowDepth > 0,
                    UInt8(ascii: "{") where atNodeStart || flowDepth > 0:
                    flowDepth += 1
                    atNodeStart = true
                    index += 1
                case UInt8(ascii: ",") where flowDepth > 0:
                    atNodeStart = true
                    index += 1
                case UInt8(ascii: "]") where flowDepth > 0, UInt8(ascii: "}") where flowDepth > 0:
                    flowDepth -= 1
                    index += 1
                    if isValueIndicatorNext() { return (line, .collectionKey) }
                    atNodeStart = false
                case UInt8(ascii: "*") where atNodeStart:
                    while index < bytes.count, !isBlank(at: index), !isFlowIndicator(at: index) { index += 1 }
                    if isValueIndicatorNext() { return (line, .aliasKey) }
                    atNodeStart = false
                case UInt8(ascii: "&") where atNodeStart, UInt8(ascii: "!") where atNodeStart:
                    // An anchor or a tag: the node itself follows.
                    while index < bytes.count, !isBlank(at: index), !isFlowIndicator(at: index) { index += 1 }
                case UInt8(ascii: "|") where atNodeStart && flowDepth == 0,
                    UInt8(ascii: ">") where atNodeStart && flowDepth == 0:
                    blockScalarStartsNextLine = true
                    skipToEndOfLine()
                default:
                    if atNodeStart { lastTokenColumn = column }
                    atNodeStart = false
                    index += 1
                }
            }
            return nil
        }

        private var column: Int { index - lineStart }

        private mutating func endLine() {
            index += 1
            line += 1
            if blockScalarStartsNextLine {
                blockScalarParentColumn = parentColumn
                blockScalarStartsNextLine = false
            }
            beginLine()
        }

        /// Skips indentation, the lines of a block scalar and document markers; sets the state of a new line.
        private mutating func beginLine() {
            lineStart = index
            var cursor = index
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") { cursor += 1 }
            if let parent = blockScalarParentColumn {
                let isBlankLine = cursor >= bytes.count || bytes[cursor] == UInt8(ascii: "\n")
                    || bytes[cursor] == UInt8(ascii: "\r")
                if cursor < bytes.count, isBlankLine || cursor - index > parent {
                    while cursor < bytes.count, bytes[cursor] != UInt8(ascii: "\n") { cursor += 1 }
                    index = cursor
                    return  // the newline ends this line of text
                }
                blockScalarParentColumn = nil
            }
            if flowDepth == 0 {
                atNodeStart = true
                parentColumn = cursor - index
                lastTokenColumn = parentColumn
                if cursor == index, startsDocumentMarker(at: cursor) { cursor += 3 }
            }
            index = cursor
        }

        private func startsDocumentMarker(at position: Int) -> Bool {
            guard position + 2 < bytes.count else { return false }
            let marker = bytes[position]
            guard marker == UInt8(ascii: "-") || marker == UInt8(ascii: ".") else { return false }
            return bytes[position + 1] == marker && bytes[position + 2] == marker && isSeparated(after: position + 2)
        }

        /// After optional blanks on the same line, a `:` that is a value indicator.
        private func isValueIndicatorNext() -> Bool {
            var cursor = index
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") || bytes[cursor] == UInt8(ascii: "\t") {
                cursor += 1
            }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") else { return false }
            return isValueIndicator(at: cursor, afterQuotedScalar: false)
        }

        /// The `:` at `position` separates a key from its value: a blank follows it, or (in a flow collection, or
        /// right after a quoted key) a flow indicator or anything at all.
        private func isValueIndicator(at position: Int, afterQuotedScalar: Bool) -> Bool {
            isSeparated(after: position) || afterQuotedScalar || (flowDepth > 0 && isFlowIndicator(at: position + 1))
        }

        /// The byte after `position` is a blank, a line break, or the end of the text.
        private func isSeparated(after position: Int) -> Bool {
            position + 1 >= bytes.count || isBlank(at: position + 1)
        }

        private func isBlank(at position: Int) -> Bool {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): return true
            default: return false
            }
        }

        private func isFlowIndicator(at position: Int) -> Bool {
            guard position < bytes.count else { return false }
            switch bytes[position] {
            case UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"): return true
            default: return false
            }
        }

        private mutating func skipToEndOfLine() {
            while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        }

        /// Skips a quoted scalar (`"` with backslash escapes, `'` with `''`), counting the lines it spans.
        private mutating func skipQuoted() {
            let quote = bytes[index]
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                        line += 1
                        lineStart = index + 2
                    }
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = index + 1
                }
                index += 1
                if byte == quote {
                    if quote == UInt8(ascii: "'"), index < bytes.count, bytes[index] == quote {
                        index += 1  // `''` is a quote inside the scalar
                        continue
                    }
                    return
                }
            }
        }
    }
}
