import Foundation
import TestSupport
import Testing
import TraefikConfig

/// Invalid configurations, each labelled with what Traefik does with it (first line `# expect: fatal` or
/// `# expect: element <section>.<collection>.<name>`). Our validator must reject each with the file, a path
/// and the same class; a real Traefik must reject the fatal ones wholesale and mark the element in error for
/// the others (while loading the rest: a valid `canary` router in the same file).
@Suite(.enabled(if: ExternalTool.shouldRun("traefik")), .timeLimit(.minutes(5)))
struct TraefikInvalidCorpusTests {
    enum Expectation: Sendable {
        case fatal
        case element(section: String, collection: String, name: String)
    }

    static func expectation(of file: URL) throws -> Expectation {
        let firstLine = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").first ?? ""
        let label = firstLine.replacingOccurrences(of: "# expect:", with: "").trimmingCharacters(in: .whitespaces)
        if label == "fatal" { return .fatal }
        let parts = label.replacingOccurrences(of: "element ", with: "").split(separator: ".").map(String.init)
        precondition(parts.count == 3, "bad label in \(file.lastPathComponent): \(label)")
        return .element(section: parts[0], collection: parts[1], name: parts[2])
    }

    @Test("at least 30 invalid configurations: rejected by us with file, path and class, and by Traefik the same way")
    func invalidCorpusAgreesWithTraefik() async throws {
        let files = try TraefikDifferentialTests.files("invalid")
        #expect(files.count >= 30)
        let failures = try await forEachConcurrently(files, width: 4) { file in
            try await Self.check(file)
        }
        for failure in failures.compactMap({ $0 }) {
            Issue.record(Comment(rawValue: failure))
        }
    }

    static func check(_ file: URL) async throws -> String? {
        let name = file.lastPathComponent
        let expectation = try expectation(of: file)
        let result = DynamicConfigurationLoader.load(path: file.path)
        let wanted: ConfigIssue.Severity
        switch expectation {
        case .fatal: wanted = .fatal
        case .element: wanted = .elementError
        }
        guard result.issues.contains(where: { $0.severity == wanted && $0.file == file.path && !$0.path.isEmpty }) else {
            return "\(name): expected a \(wanted.rawValue) naming the file and a path, got: \(result.issues)"
        }

        let traefik = try await TraefikProcess.start(providerArguments: ["--providers.file.filename=\(file.path)"])
        defer { traefik.stopBlocking() }
        let deadline = ContinuousClock.now + .seconds(15)
        switch expectation {
        case .fatal:
            while ContinuousClock.now < deadline {
                if traefik.log.contains("Error while building configuration") {
                    let routers = try await traefik.api("/api/http/routers") as? [[String: Any]] ?? []
                    let fromFile = routers.compactMap { $0["name"] as? String }.filter { $0.hasSuffix("@file") }
                    return fromFile.isEmpty ? nil : "\(name): Traefik rejected the file but still serves \(fromFile)"
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            return "\(name): Traefik did not reject the file wholesale. Log:\n\(traefik.log.suffix(2000))"
        case .element(let section, let collection, let element):
            let apiPath = "/api/\(section)/\(collection)"
            while ContinuousClock.now < deadline {
                let canaryLoaded = (try await traefik.api("/api/http/routers") as? [[String: Any]] ?? [])
                    .contains { $0["name"] as? String == "canary@file" }
                let entries = try await traefik.api(apiPath) as? [[String: Any]] ?? []
                if canaryLoaded, let entry = entries.first(where: { $0["name"] as? String == "\(element)@file" }) {
                    let errors = entry["error"] as? [String] ?? []
                    guard entry["status"] as? String == "disabled" || !errors.isEmpty else {
                        return "\(name): Traefik accepts \(section).\(collection).\(element) cleanly: \(entry)"
                    }
                    return nil
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            return "\(name): Traefik never showed \(element)@file next to the canary in \(apiPath). Log:\n\(traefik.log.suffix(2000))"
        }
    }
}
