public import Yams

/// Composes the YAML of an operator's file (a dynamic configuration, the coordinator's settings) into Yams
/// nodes, with the two protections every such file needs:
/// - keys that are not plain names are refused before Yams sees them (``YAMLKeyGuard``: Yams can spend
///   exponential time on them);
/// - an error says where and what, and never quotes the document. Yams' own descriptions do: a duplicate key
///   quotes the whole file, so a settings file with `redis:` twice put `redis.password` into the error and the
///   log, and a syntax error quotes its line, which may hold a secret too.
public enum YAMLReader {
    /// Why a YAML text could not be composed.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// A key that is not a plain name, refused before composing.
        case unsupportedKey(line: Int, reason: String)
        /// Not valid YAML: the position and libyaml's problem, without the text.
        case invalid(String)

        public var description: String {
            switch self {
            case .unsupportedKey(let line, let reason): return "not supported YAML at line \(line): \(reason)"
            case .invalid(let summary): return "not valid YAML: \(summary)"
            }
        }
    }

    /// The root node of `text` (nil when it holds no document), composed with `resolver`.
    public static func compose(_ text: String, resolver: Resolver = .default) throws(Failure) -> Node? {
        if let (line, hazard) = YAMLKeyGuard.firstHazard(in: text) {
            throw .unsupportedKey(line: line, reason: hazard.message)
        }
        do {
            return try Yams.compose(yaml: text, resolver)
        } catch {
            throw .invalid(summary(of: error))
        }
    }

    /// Where and what went wrong, in one line, without any text of the document.
    static func summary(of error: any Error) -> String {
        guard let error = error as? YamlError else { return String(String(describing: error).prefix(300)) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            var summary = "line \(mark.line), column \(mark.column): \(problem)"
            if let context {
                summary += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return summary
        case let .reader(problem, offset, _, _):
            return offset.map { "\(problem) at character \($0)" } ?? problem
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.sorted().prefix(5).map { "\"\($0.prefix(100))\"" }.joined(separator: ", ")
            let more = duplicates.count > 5 ? " and \(duplicates.count - 5) more" : ""
            return "line \(context.mark.line), column \(context.mark.column): a mapping has the key \(names)\(more) more than once"
        default:
            return String(error.description.prefix(300))
        }
    }
}
