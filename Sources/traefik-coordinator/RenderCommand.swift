import ArgumentParser
import Foundation
import TraefikConfig

/// `traefik-coordinator render`: prints the Redis keys a dynamic configuration becomes.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the Redis keys and values that Traefik's Redis provider would read for a dynamic configuration.",
        discussion: """
            Validates first: an invalid configuration prints every problem on standard error and exits 1, \
            like `validate`. Formats: `pairs` (key = value lines), `redis-cli` (a MULTI/EXEC block of SET \
            commands to pipe into `redis-cli`; values are quoted safely), `json` (one object, keys sorted).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case pairs
        case redisCLI = "redis-cli"
        case json
    }

    @Option(name: .long, help: "A dynamic-configuration file, or a directory of *.yml, *.yaml, *.toml, *.json files.")
    var dynamic: String

    @Option(name: .long, help: "The root key of Traefik's Redis provider (providers.redis.rootKey).")
    var rootKey: String = TraefikConfig.defaultRootKey

    @Option(name: .long, help: "Output format: pairs, redis-cli or json.")
    var format: Format = .pairs

    @OptionGroup var version: TraefikVersionOption

    func validate() throws {
        if let problem = RootKeyRule.problem(rootKey) {
            throw ValidationError(problem)
        }
    }

    func run() throws {
        let result = DynamicConfigurationLoader.load(path: dynamic, target: try version.target(settings: nil))
        guard result.isValid else {
            ValidateCommand.printIssues(result.issues)
            throw ExitCode(1)
        }
        let pairs = KVRenderer.render(result.configuration, rootKey: rootKey)
        print(PairsFormatter.format(pairs, as: format), terminator: "")
    }
}

/// The rules for `--root-key`.
enum RootKeyRule {
    static func problem(_ rootKey: String) -> String? {
        if rootKey.isEmpty { return "--root-key must not be empty" }
        if rootKey.hasPrefix("/") || rootKey.hasSuffix("/") { return "--root-key must not start or end with \"/\"" }
        return nil
    }
}

/// Prints rendered pairs in the `render` formats.
enum PairsFormatter {
    static func format(_ pairs: [KVPair], as format: RenderCommand.Format) -> String {
        switch format {
        case .pairs:
            return pairs.map { "\($0.key) = \(needsQuoting($0.value) ? redisCLIQuoted($0.value) : $0.value)\n" }.joined()
        case .redisCLI:
            var text = "MULTI\n"
            for pair in pairs {
                text += "SET \(redisCLIQuoted(pair.key)) \(redisCLIQuoted(pair.value))\n"
            }
            return text + "EXEC\n"
        case .json:
            var object: [String: String] = [:]
            for pair in pairs { object[pair.key] = pair.value }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    private static func needsQuoting(_ value: String) -> Bool {
        value.isEmpty || value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f } || value.first == " " || value.last == " "
    }

    /// A double-quoted argument that redis-cli's parser (`sdssplitargs`) reads back byte for byte: `"`, `\` and
    /// control bytes are escaped, everything else is passed through.
    static func redisCLIQuoted(_ value: String) -> String {
        var text = "\""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): text += "\\\""
            case UInt8(ascii: "\\"): text += "\\\\"
            case UInt8(ascii: "\n"): text += "\\n"
            case UInt8(ascii: "\r"): text += "\\r"
            case UInt8(ascii: "\t"): text += "\\t"
            case 0..<0x20, 0x7f:
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            default:
                text.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return text + "\""
    }
}
