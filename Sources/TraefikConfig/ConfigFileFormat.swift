/// The file formats Traefik's file provider reads, chosen by file extension (case-insensitive).
public enum ConfigFileFormat: String, Sendable, CaseIterable {
    case yaml
    case toml
    case json

    /// The format for a file name, or `nil` when Traefik's file provider would ignore the file.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "yml", "yaml": self = .yaml
        case "toml": self = .toml
        case "json": self = .json
        default: return nil
        }
    }
}
