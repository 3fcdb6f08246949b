import Foundation
import Testing
@testable import TraefikConfig

@Suite struct LoaderAndRendererTests {
    static let yaml = """
        http:
          routers:
            api: {rule: "Path(`/api`)", service: api, entryPoints: [web], priority: 10}
          services:
            api: {loadBalancer: {servers: [{url: "http://a:1"}], healthCheck: {interval: 90}}}
        """
    static let toml = """
        [http.routers.api]
          rule = "Path(`/api`)"
          service = "api"
          entryPoints = ["web"]
          priority = 10
        [[http.services.api.loadBalancer.servers]]
          url = "http://a:1"
        [http.services.api.loadBalancer.healthCheck]
          interval = "1m30s"
        """
    static let json = """
        {"http": {"routers": {"api": {"Rule": "Path(`/api`)", "SERVICE": "api", "entryPoints": "web", "priority": "+10"}},
          "services": {"api": {"loadBalancer": {"servers": [{"url": "http://a:1"}], "healthCheck": {"interval": "90s"}}}}}}
        """

    @Test("YAML, TOML and JSON spellings of one configuration give the same model, keys and hash")
    func formatsAgree() {
        let results = [("a.yml", Self.yaml), ("a.toml", Self.toml), ("a.json", Self.json)].map {
            DynamicConfigurationLoader.load(documents: [$0])
        }
        for result in results { #expect(result.issues.isEmpty, "\(result.issues)") }
        #expect(results[0].configuration == results[1].configuration)
        #expect(results[0].configuration == results[2].configuration)
        let pairs = KVRenderer.render(results[0].configuration)
        #expect(pairs.contains(KVPair(key: "traefik/http/services/api/loadBalancer/healthCheck/interval", value: "1m30s")))
        #expect(pairs.contains(KVPair(key: "traefik/http/routers/api/priority", value: "10")))
        #expect(Set(results.map { ConfigurationHash.hash($0.configuration) }).count == 1)
    }

    @Test("plain YAML numbers are typed as yaml.v3 types them (separators, hex, octal, signs, floats); quoted ones and names stay text")
    func yamlNumbers() {
        let yaml = """
            http:
              services:
                s:
                  loadBalancer:
                    servers:
                      - url: "http://a"
                    healthCheck: {port: 8_080, interval: 0x1F, timeout: +5, path: .5, hostname: -.inf, scheme: 1e3, mode: 010, method: "0x10"}
            """
        let result = DynamicConfigurationLoader.load(documents: [("n.yml", yaml)])
        #expect(result.issues.isEmpty, "\(result.issues)")
        let values = Dictionary(uniqueKeysWithValues: KVRenderer.render(result.configuration).map {
            ($0.key.replacingOccurrences(of: "traefik/http/services/s/loadBalancer/healthCheck/", with: ""), $0.value)
        })
        #expect(values["port"] == "8080")
        #expect(values["interval"] == "31s")
        #expect(values["timeout"] == "5s")
        #expect(values["path"] == "0.500000")
        #expect(values["hostname"] == "-Inf")
        #expect(values["scheme"] == "1000")
        #expect(values["mode"] == "8")
        #expect(values["method"] == "0x10")
    }

    @Test("input that crashed the parsers (found by fuzzing) is an error: TOML toml++ would abort on, a NUL byte")
    func fuzzRegressions() {
        for (name, text, message) in [
            ("a.toml", "[([tcp.routers.r]]\nrule = \"HostSNI(`*`)\"\n", "at line 1: a table header"),
            ("b.toml", "# comment\n[http.routers.r]\nrule = \"Host(`a`)\"\n[[ {x]]\n", "at line 4: a table header"),
            ("é.toml", "[é]\nx = 1\n", "at line 1: a table header"),
            ("cr.toml", "[\r\r/http/routers]\nx = 1\n", "at line 1: a table header"),
            ("t.toml", "t=[}", "at line 1: `}` where an array element"),
            ("u.toml", "[http.routers.r]\nentryPoints = [\"web\", # more\n\t}\n", "at line 3: `}` where an array element"),
            ("v.toml", "x = [[1], [{a = 1}, }]]\n", "at line 1: `}` where an array element"),
            ("c.toml", "# A TCP ro\u{0}ute\n[tcp.routers.r]\nrule = \"HostSNI(`*`)\"\n", "NUL byte at offset 10"),
            ("d.yaml", "http:\n  routers: {}\u{0}\n", "NUL byte at offset 19"),
        ] {
            let issues = DynamicConfigurationLoader.load(documents: [(name, text)]).issues
            #expect(issues.count == 1 && issues.first?.message.contains(message) == true, "\(name): \(issues)")
        }
        // A name that starts with a combining mark: `/` plus the mark is one Swift Character, but Traefik
        // splits keys on the byte. What is rendered must parse back to the same configuration.
        let combining = "http:\n  routers:\n    \u{07F2}ed:\n      rule: \"Path(`/x`)\"\n      service: noop@internal\n"
        let loaded = DynamicConfigurationLoader.load(documents: [("f.yaml", combining)])
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        let parsed = KVParser.parse(KVRenderer.render(loaded.configuration))
        #expect(parsed.issues.isEmpty, "\(parsed.issues)")
        #expect(ConfigurationHash.hash(parsed.configuration) == ConfigurationHash.hash(loaded.configuration))

        // A list entry that starts with a combining mark: `,` and the mark are one Swift Character, so the
        // parser missed that comma in the joined list and merged two entries (found by fuzzing). Separators are
        // matched as scalars, as Traefik matches bytes: `/` and `@` too.
        let marked = "http:\n  routers:\n    r:\n      rule: \"Path(`/\u{0301}x`)\"\n      service: s@file\u{0301}\n"
            + "      entryPoints: [web, \"\u{05BC}x\", \"y\u{0301}\"]\n"
        let markedLoad = DynamicConfigurationLoader.load(documents: [("g.yaml", marked)])
        #expect(markedLoad.issues.isEmpty, "\(markedLoad.issues)")
        let markedParsed = KVParser.parse(KVRenderer.render(markedLoad.configuration))
        #expect(markedParsed.issues.isEmpty, "\(markedParsed.issues)")
        #expect(markedParsed.configuration.elements("http", "routers")["r"]?["entryPoints"]?.listItems.count == 3)
        #expect(ConfigurationHash.hash(markedParsed.configuration) == ConfigurationHash.hash(markedLoad.configuration))
        for (name, text, message) in [
            ("h.yaml", "http:\n  routers:\n    \"a/\u{0301}b\":\n      rule: \"Path(`/x`)\"\n      service: noop@internal\n",
             "contains \"/\""),
            ("i.yaml", "http:\n  routers:\n    r:\n      rule: \"Path(`/x`)\"\n      service: noop@internal\n      entryPoints: [\"a,\u{05BC}b\"]\n",
             "contains a comma"),
        ] {
            let issues = DynamicConfigurationLoader.load(documents: [(name, text)]).issues
            #expect(issues.contains { $0.message.contains(message) }, "\(name): \(issues)")
        }

        // Brackets that are values, not headers, are left to the TOML parser.
        let valid = """
            [http.services.s.loadBalancer]
              servers = [
                { url = "http://a" },
              ]
            [ http.routers.r ]
              rule = "Host(`a`) || Host(`[b]`)"
              service = 's'
              entryPoints = [
                "web", # a comment with [( in it
              ]
              middlewares = [\"\"\"
              m\"\"\"]
            [http.middlewares.m.headers]
              customRequestHeaders = { X-A = "[(", X-B = "[}", X-C = "}" }
            [http.services.t.weighted]
              services = [ { name = "s", weight = 1 }, # a comment, then the closing bracket
              ]
            """
        let result = DynamicConfigurationLoader.load(documents: [("e.toml", valid)])
        #expect(result.issues.isEmpty, "\(result.issues)")
    }

    @Test("the hash does not depend on file order, and changes with the content")
    func hashIsStable() {
        let a = "http:\n  routers:\n    a: {rule: \"Path(`/a`)\", service: s}\n"
        let b = "http:\n  services:\n    s: {loadBalancer: {servers: [{url: \"http://x\"}]}}\n"
        let one = DynamicConfigurationLoader.load(documents: [("1.yml", a), ("2.yml", b)])
        let two = DynamicConfigurationLoader.load(documents: [("2.yml", b), ("1.yml", a)])
        #expect(one.issues.isEmpty && two.issues.isEmpty)
        #expect(ConfigurationHash.hash(one.configuration) == ConfigurationHash.hash(two.configuration))
        let changed = DynamicConfigurationLoader.load(documents: [("1.yml", a.replacingOccurrences(of: "/a", with: "/b")), ("2.yml", b)])
        #expect(ConfigurationHash.hash(changed.configuration) != ConfigurationHash.hash(one.configuration))
        #expect(ConfigurationHash.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the same router in two files is an error naming both files")
    func duplicateAcrossFiles() {
        let a = "http:\n  routers:\n    api: {rule: \"Path(`/a`)\", service: s@docker}\n"
        let b = "http:\n  routers:\n    API: {rule: \"Path(`/b`)\", service: s@docker}\n"
        let result = DynamicConfigurationLoader.load(documents: [("conf/a.yml", a), ("conf/b.yml", b)])
        let issue = result.issues.first { $0.path == "http.routers.API" }
        #expect(issue?.file == "conf/b.yml")
        #expect(issue?.message.contains("conf/a.yml") == true)
    }

    @Test("values Redis cannot carry are rejected with a precise path")
    func notRepresentable() {
        let yaml = """
            http:
              routers:
                r: {rule: "Path(`/r`)", service: s, middlewares: ["a,b"], entryPoints: [web, ""]}
                "1": {rule: "Path(`/1`)", service: s}
              middlewares:
                h: {headers: {customResponseHeaders: {X-Powered-By: ""}}}
              services:
                s: {loadBalancer: {servers: [{url: "http://x"}]}}
            """
        let issues = DynamicConfigurationLoader.load(documents: [("conf/app.yml", yaml)]).issues
        let paths = Set(issues.filter { $0.severity == .notRepresentable }.map(\.path))
        #expect(paths.contains("http.routers.r.middlewares[0]"))
        #expect(paths.contains("http.routers.r.entryPoints[1]"))
        #expect(paths.contains("http.routers.1"))
        #expect(paths.contains("http.middlewares.h.headers.customResponseHeaders.X-Powered-By"))
        #expect(issues.allSatisfy { $0.file == "conf/app.yml" })
        #expect(issues.first?.description.hasPrefix("conf/app.yml: http.") == true)
    }

    @Test("lists of more than 10 entries get zero-padded indexes and parse back in order")
    func longLists() {
        let names = (0..<12).map { "m\($0)" }
        let yaml = "http:\n  routers:\n    r: {rule: \"Path(`/r`)\", service: s@docker, middlewares: [\(names.joined(separator: ", "))]}\n"
            + "  middlewares:\n" + names.map { "    \($0): {addPrefix: {prefix: /\($0)}}\n" }.joined()
        let result = DynamicConfigurationLoader.load(documents: [("r.yml", yaml)])
        #expect(result.issues.isEmpty, "\(result.issues)")
        let pairs = KVRenderer.render(result.configuration)
        #expect(pairs.contains(KVPair(key: "traefik/http/routers/r/middlewares/02", value: "m2")))
        #expect(pairs.contains(KVPair(key: "traefik/http/routers/r/middlewares/11", value: "m11")))
        let parsed = KVParser.parse(pairs)
        #expect(parsed.issues.isEmpty)
        #expect(parsed.configuration == result.configuration)
        // Unpadded indexes are read the way Traefik reads them: sorted as strings.
        let unpadded = (0..<12).map { KVPair(key: "traefik/http/routers/r/middlewares/\($0)", value: "m\($0)") }
        let order = KVParser.parse(unpadded).configuration.root["http"]?["routers"]?["r"]?["middlewares"]?.listItems.compactMap(\.stringValue)
        #expect(order == ["m0", "m1", "m10", "m11", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"])
    }

    @Test("the KV parser rejects what Traefik rejects wholesale")
    func parserFatal() {
        let issues = KVParser.parse([
            KVPair(key: "traefik/http/routers/r1/bogusField", value: "x"),
            KVPair(key: "traefik/httpx/a", value: "x"),
            KVPair(key: "traefik/http/routers/r1/priority", value: "notanumber"),
            KVPair(key: "traefik-lease", value: "ignored"),
        ]).issues
        #expect(Set(issues.map(\.path)) == ["http.routers.r1.bogusField", "httpx", "http.routers.r1.priority"])
        #expect(issues.allSatisfy { $0.severity == .fatal })
    }

    @Test("durations are printed as Traefik prints them")
    func durations() {
        #expect(GoDuration.parse("90").map { GoDuration.format(nanoseconds: $0) } == "1m30s")
        #expect(GoDuration.parse("1.5h").map { GoDuration.format(nanoseconds: $0) } == "1h30m0s")
        #expect(GoDuration.parse("100ms").map { GoDuration.format(nanoseconds: $0) } == "100ms")
        #expect(GoDuration.parse("1500us").map { GoDuration.format(nanoseconds: $0) } == "1.5ms")
        #expect(GoDuration.parse("0").map { GoDuration.format(nanoseconds: $0) } == "0s")
        #expect(GoDuration.parse("10 seconds") == nil)
        #expect(GoDuration.parse("1m30") == nil)
    }
}
