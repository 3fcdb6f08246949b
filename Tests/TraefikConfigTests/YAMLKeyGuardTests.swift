import Foundation
import Testing
@testable import TraefikConfig

/// Keys that are not plain names, and aliases that expand without end: refused with their line before Yams
/// spends exponential time on them (found by fuzzing), while every ordinary spelling still loads.
@Suite struct YAMLKeyGuardTests {
    @Test("explicit keys, collections and aliases as keys are refused with their line")
    func refusedKeys() {
        for (name, text, message) in [
            // The shape the fuzzer found (3 KB of it took 5 s): keys of keys of keys.
            ("nested.yaml", "http:\n  ? ? ? - ? x\n", "at line 2: an explicit key"),
            ("seq.yaml", "http:\n  routers:\n    - ? a\n", "at line 3: an explicit key"),
            ("flow.yaml", "http: {routers: {? a : b}}\n", "at line 1: an explicit key"),
            ("list.yaml", "http:\n  [a, b]: c\n", "at line 2: a list or mapping used as a key"),
            ("map.yaml", "# a comment\nhttp:\n  {a: [b]}: c\n", "at line 3: a list or mapping used as a key"),
            ("inflow.json", "{\"http\": {\"routers\": {[\"r\"]: 1}}}", "at line 1: a list or mapping used as a key"),
            ("alias.yaml", "base: &b [x]\nhttp:\n  *b : y\n", "at line 3: an alias (`*name`) used as a key"),
            ("afterquote.yaml", "a: \"multi\n  line\"\nhttp:\n  ? x\n", "at line 4: an explicit key"),
        ] {
            let issues = DynamicConfigurationLoader.load(documents: [(name, text)]).issues
            #expect(issues.count == 1 && issues.first?.message.contains(message) == true, "\(name): \(issues)")
            #expect(issues.first?.file == name && issues.first?.severity == .fatal)
        }
    }

    @Test("aliases of aliases (billion laughs) are refused as excessive aliasing instead of expanding")
    func excessiveAliasing() {
        var lines = ["a0: &a0 [x, x]"]
        for level in 1...30 { lines.append("a\(level): &a\(level) [*a\(level - 1), *a\(level - 1)]") }
        lines.append("http: {routers: {r: {rule: \"Host(`a`)\", service: noop@internal}}}")
        let issues = DynamicConfigurationLoader.load(documents: [("laughs.yaml", lines.joined(separator: "\n"))]).issues
        #expect(issues.count == 1 && issues.first?.message.contains("excessive aliasing") == true, "\(issues)")

        // Moderate sharing, the way anchors are used, is fine. (Traefik refuses unknown top-level keys, so the
        // anchor is on the first router.)
        let shared = """
            http:
              routers:
                r0: {rule: "Host(`h0`)", service: noop@internal, middlewares: &chain [strip, add]}
            \((1..<200).map { "    r\($0): {rule: \"Host(`h\($0)`)\", service: noop@internal, middlewares: *chain}" }.joined(separator: "\n"))
              middlewares:
                strip: {stripPrefix: {prefixes: ["/a"]}}
                add: {addPrefix: {prefix: "/b"}}
            """
        let loaded = DynamicConfigurationLoader.load(documents: [("shared.yaml", shared)])
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        let pairs = KVRenderer.render(loaded.configuration)
        #expect(pairs.contains(KVPair(key: "traefik/http/routers/r199/middlewares/1", value: "add")))
    }

    @Test("what looks like a refused key inside text is text: quoted scalars, block scalars, comments, plain scalars")
    func lookalikesAreText() {
        let yaml = """
            %YAML 1.2
            ---
            # ? a comment, [a]: b, *x : y
            x-base: &base {service: noop@internal}
            http:
              routers:
                "quoted": {rule: "Path(`/a`) && Query(`? x`, `[y]: z`)", <<: *base}
                'single': {rule: 'Path(`/it''s`) || Path(`/b?c`)', <<: *base}
                plain:
                  rule: Path(`/a?b`) || Path(`/[c]:d`) # ? comment
                  <<: *base
              middlewares:
                lit:
                  headers:
                    customRequestHeaders:
                      X-Block: |
                        ? not a key
                        [a]: b
                          *c : d
                      X-Folded: >-
                        {a: b}: c
                    customResponseHeaders: {X-Flow: "[a]: b, ? c"}
                list:
                  chain:
                    middlewares:
                      - lit
                      - |
                        ? text
            """
        let json = #"{"http":{"routers":{"r":{"rule":"Path(`/a`) && Query(`x, ? y`)","service":"noop@internal","entryPoints":["web"]}}}}"#
        for (name, text) in [("a.yaml", yaml), ("b.json", json)] {
            #expect(YAMLKeyGuard.firstHazard(in: text) == nil, "\(name)")
        }
        let loaded = DynamicConfigurationLoader.load(documents: [("a.yaml", yaml)])
        #expect(loaded.issues.allSatisfy { !$0.message.contains("not supported YAML") }, "\(loaded.issues)")
        #expect(
            loaded.configuration.elements("http", "routers")["quoted"]?["rule"]?.stringValue
                == "Path(`/a`) && Query(`? x`, `[y]: z`)")
        #expect(loaded.configuration.elements("http", "routers").count == 3)
    }

    @Test("a YAML error names the line, column and problem, without quoting the file (a duplicate key quoted all of it)")
    func errorsDoNotQuoteTheFile() {
        let routers = (0..<2_000).map { "    r\($0): {rule: \"Host(`secret-\($0).test`)\", service: noop@internal}" }
        let duplicate = "http:\n  routers:\n" + routers.joined(separator: "\n") + "\n    r5: {rule: \"Host(`x`)\"}\n"
        let unclosed = "http:\n  routers:\n    r: {rule: \"Host(`secret.test`)\", service: [noop@internal}\n"
        for (name, text, message) in [
            ("dup.yaml", duplicate, "not valid YAML/JSON: line 8, column 5: a mapping has the key \"r5\" more than once"),
            ("open.yaml", unclosed, "not valid YAML/JSON: line 3, column"),
        ] {
            let issues = DynamicConfigurationLoader.load(documents: [(name, text)]).issues
            #expect(issues.count == 1 && issues.first?.message.hasPrefix(message) == true, "\(name): \(issues)")
            let description = issues.first?.description ?? ""
            #expect(description.count < 300 && !description.contains("secret") && !description.contains("\n"), "\(description)")
        }
    }

    @Test("every YAML and JSON file shipped in conf/ passes the guard")
    func shippedConfigurationPasses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.appendingPathComponent("conf").path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
        #expect(files.count >= 3, "\(files)")
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent("conf").appendingPathComponent(file), encoding: .utf8)
            #expect(YAMLKeyGuard.firstHazard(in: text) == nil, "\(file)")
        }
    }
}
