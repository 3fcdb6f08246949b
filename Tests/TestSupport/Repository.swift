import Foundation

/// The repository the tests were built from, for tests of the files it ships (`conf/`, `helm/`, `scripts/`).
public enum Repository {
    /// The repository's root directory.
    public static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `relative` inside the repository.
    public static func path(_ relative: String) -> String { "\(root)/\(relative)" }

    /// Copies `relative` (a file or directory) to a new temporary directory, replacing each key of
    /// `replacements` with its value in every file, and returns the copy's path. The caller removes it.
    public static func copy(_ relative: String, replacing replacements: [String: String] = [:]) throws -> String {
        let source = path(relative)
        let destination = FileManager.default.temporaryDirectory
            .appendingPathComponent("tc-copy-\(UUID().uuidString.prefix(8))").appendingPathComponent(URL(fileURLWithPath: source).lastPathComponent).path
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: destination).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory)
        let files = isDirectory.boolValue
            ? (FileManager.default.subpaths(atPath: destination) ?? []).map { "\(destination)/\($0)" } : [destination]
        for file in files {
            guard var text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for (from, to) in replacements { text = text.replacingOccurrences(of: from, with: to) }
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
        return destination
    }
}
