/// Checks a merged configuration as a whole, as Traefik does when it builds routers, services and middlewares:
/// references to undefined services, middlewares, TLS options and transports; services and middlewares with no
/// type or several; broken rules; names that cannot be referenced. These are Traefik's element errors: the rest
/// of the configuration still loads, but the element answers 404 or 500.
enum SemanticValidator {
    static func validate(_ configuration: DynamicConfiguration) -> [ConfigIssue] {
        var context = Context(configuration: configuration)
        context.checkNames()
        context.checkHTTP()
        context.checkTCP()
        context.checkUDP()
        context.checkTLS()
        context.checkPublishable(configuration.root, path: "")
        return context.issues
    }

    struct Context {
        let configuration: DynamicConfiguration
        var issues: [ConfigIssue] = []
        /// Defined names per `section.collection`, computed once (references are checked in bulk).
        private let definedNames: [String: Set<String>]

        init(configuration: DynamicConfiguration) {
            self.configuration = configuration
            var definedNames: [String: Set<String>] = [:]
            for (section, collections) in ConfigurationMerger.namedCollections {
                for collection in collections {
                    definedNames["\(section).\(collection)"] = Set(configuration.elements(section, collection).keys)
                }
            }
            self.definedNames = definedNames
        }

        private func file(for elementPath: String) -> String? {
            configuration.origins[elementPath]
        }

        mutating func report(_ element: String, _ detail: String, _ message: String, _ severity: ConfigIssue.Severity = .elementError) {
            let path = detail.isEmpty ? element : "\(element).\(detail)"
            issues.append(ConfigIssue(file: file(for: element), path: path, message: message, severity: severity))
        }

        private func names(_ section: String, _ collection: String) -> Set<String> {
            definedNames["\(section).\(collection)"] ?? []
        }

        /// Checks that `reference` names an element of `section.collection` (unless it names another provider).
        private mutating func checkReference(
            _ reference: String, in section: String, _ collection: String, what: String, from element: String, at detail: String,
            implicit: Set<String> = []
        ) {
            guard !reference.containsSeparator("@"), !implicit.contains(reference) else { return }
            if !names(section, collection).contains(reference) {
                let hint = names(section, collection).first { $0.lowercased() == reference.lowercased() }
                    .map { " (did you mean \"\($0)\"? names are case-sensitive in references)" } ?? ""
                report(element, detail, "\(what) \"\(reference)\" is not defined in \(section).\(collection)\(hint); define it, or name another provider's with \"name@provider\"")
            }
        }

        private mutating func checkReferences(
            _ node: ConfigNode?, in section: String, _ collection: String, what: String, from element: String, field: String
        ) {
            for (index, item) in (node?.listItems ?? []).enumerated() {
                if let reference = item.stringValue {
                    checkReference(reference, in: section, collection, what: what, from: element, at: "\(field)[\(index)]")
                }
            }
        }

        private mutating func checkExactlyOneKind(_ node: ConfigNode, kinds: [String], element: String, what: String) {
            let present = kinds.filter { node[$0] != nil }
            if present.isEmpty {
                report(element, "", "the \(what) has no type: set one of \(kinds.joined(separator: ", "))")
            } else if present.count > 1 {
                report(element, "", "the \(what) sets several types (\(present.joined(separator: ", "))); Traefik supports one per \(what)")
            }
        }

        // MARK: Names

        mutating func checkNames() {
            for (section, collections) in ConfigurationMerger.namedCollections {
                for collection in collections {
                    for name in configuration.elements(section, collection).keys {
                        let element = "\(section).\(collection).\(name)"
                        if name.containsSeparator(",") {
                            report(element, "", "name \"\(name)\" contains a comma: Traefik splits reference lists on commas, so it could not be referenced", .notRepresentable)
                        }
                        if name.containsSeparator("@") {
                            report(element, "", "name \"\(name)\" contains \"@\", which Traefik reads as a provider qualifier")
                        }
                    }
                }
            }
        }

        // MARK: HTTP

        mutating func checkHTTP() {
            let routers = configuration.elements("http", "routers")
            var parents: Set<String> = []
            for router in routers.values {
                for parent in router["parentRefs"]?.listItems ?? [] {
                    if let name = parent.stringValue { parents.insert(name) }
                }
            }
            for (name, router) in routers {
                let element = "http.routers.\(name)"
                let isParent = parents.contains(name)
                if let service = router["service"]?.stringValue {
                    checkReference(service, in: "http", "services", what: "service", from: element, at: "service")
                } else if !isParent {
                    report(element, "service", "the router has no service (and no child router names it in parentRefs)")
                }
                checkRule(router, kind: .http, element: element, required: router["parentRefs"] == nil)
                checkReferences(router["middlewares"], in: "http", "middlewares", what: "middleware", from: element, field: "middlewares")
                checkReferences(router["parentRefs"], in: "http", "routers", what: "parent router", from: element, field: "parentRefs")
                if let options = router["tls"]?["options"]?.stringValue {
                    checkReference(options, in: "tls", "options", what: "TLS options", from: element, at: "tls.options", implicit: ["default"])
                }
            }

            let strategies: Set<String> = ["wrr", "p2c", "hrw", "leasttime"]
            for (name, service) in configuration.elements("http", "services") {
                let element = "http.services.\(name)"
                checkExactlyOneKind(service, kinds: TraefikSchema.httpServiceKinds, element: element, what: "service")
                checkReferences(service["middlewares"], in: "http", "middlewares", what: "middleware", from: element, field: "middlewares")
                if let loadBalancer = service["loadBalancer"] {
                    if let strategy = loadBalancer["strategy"]?.stringValue, !strategies.contains(strategy) {
                        report(element, "loadBalancer.strategy", "unknown load-balancing strategy \"\(strategy)\" (use one of \(strategies.sorted().joined(separator: ", ")))")
                    }
                    for (index, server) in (loadBalancer["servers"]?.listItems ?? []).enumerated() where server["url"] == nil {
                        report(element, "loadBalancer.servers[\(index)].url", "the server has no url")
                    }
                    if let transport = loadBalancer["serversTransport"]?.stringValue {
                        checkReference(transport, in: "http", "serversTransports", what: "servers transport", from: element, at: "loadBalancer.serversTransport")
                    }
                }
                for kind in ["weighted", "highestRandomWeight"] {
                    for (index, child) in (service[kind]?["services"]?.listItems ?? []).enumerated() {
                        if let reference = child["name"]?.stringValue {
                            checkReference(reference, in: "http", "services", what: "service", from: element, at: "\(kind).services[\(index)].name")
                        } else {
                            report(element, "\(kind).services[\(index)]", "the entry has no service name")
                        }
                    }
                }
                if let mirroring = service["mirroring"] {
                    if let main = mirroring["service"]?.stringValue {
                        checkReference(main, in: "http", "services", what: "service", from: element, at: "mirroring.service")
                    } else {
                        report(element, "mirroring.service", "the mirroring service has no main service")
                    }
                    for (index, mirror) in (mirroring["mirrors"]?.listItems ?? []).enumerated() {
                        if let reference = mirror["name"]?.stringValue {
                            checkReference(reference, in: "http", "services", what: "service", from: element, at: "mirroring.mirrors[\(index)].name")
                        }
                    }
                }
                if let failover = service["failover"] {
                    for field in ["service", "fallback"] {
                        if let reference = failover[field]?.stringValue {
                            checkReference(reference, in: "http", "services", what: "service", from: element, at: "failover.\(field)")
                        } else {
                            report(element, "failover.\(field)", "the failover service needs a \(field)")
                        }
                    }
                }
            }

            for (name, middleware) in configuration.elements("http", "middlewares") {
                let element = "http.middlewares.\(name)"
                let kinds = TraefikSchema.httpMiddleware.fields.filter { $0.type != .ignoredInFiles }.map(\.name)
                checkExactlyOneKind(middleware, kinds: kinds, element: element, what: "middleware")
                if let plugins = middleware["plugin"]?.children, plugins.count > 1 {
                    report(element, "plugin", "the middleware configures several plugins (\(plugins.keys.sorted().joined(separator: ", "))); use one middleware per plugin")
                }
                checkReferences(middleware["chain"]?["middlewares"], in: "http", "middlewares", what: "middleware", from: element, field: "chain.middlewares")
                if let service = middleware["errors"]?["service"]?.stringValue {
                    checkReference(service, in: "http", "services", what: "service", from: element, at: "errors.service")
                }
            }
        }

        private mutating func checkRule(_ router: ConfigNode, kind: RuleChecker.Kind, element: String, required: Bool) {
            let syntax = router["ruleSyntax"]?.stringValue
            guard let rule = router["rule"]?.stringValue else {
                if required { report(element, "rule", "the router has no rule") }
                return
            }
            if let problem = RuleChecker.problem(in: rule, kind: kind, syntax: syntax) {
                report(element, "rule", "invalid rule: \(problem)")
            }
        }

        // MARK: TCP and UDP

        mutating func checkTCP() {
            for (name, router) in configuration.elements("tcp", "routers") {
                let element = "tcp.routers.\(name)"
                if let service = router["service"]?.stringValue {
                    checkReference(service, in: "tcp", "services", what: "TCP service", from: element, at: "service")
                } else {
                    report(element, "service", "the TCP router has no service")
                }
                checkRule(router, kind: .tcp, element: element, required: true)
                checkReferences(router["middlewares"], in: "tcp", "middlewares", what: "TCP middleware", from: element, field: "middlewares")
                if let options = router["tls"]?["options"]?.stringValue {
                    checkReference(options, in: "tls", "options", what: "TLS options", from: element, at: "tls.options", implicit: ["default"])
                }
            }
            for (name, service) in configuration.elements("tcp", "services") {
                let element = "tcp.services.\(name)"
                checkExactlyOneKind(service, kinds: TraefikSchema.tcpServiceKinds, element: element, what: "TCP service")
                for (index, child) in (service["weighted"]?["services"]?.listItems ?? []).enumerated() {
                    if let reference = child["name"]?.stringValue {
                        checkReference(reference, in: "tcp", "services", what: "TCP service", from: element, at: "weighted.services[\(index)].name")
                    }
                }
                for (index, server) in (service["loadBalancer"]?["servers"]?.listItems ?? []).enumerated() where server["address"] == nil {
                    report(element, "loadBalancer.servers[\(index)].address", "the server has no address")
                }
                if let transport = service["loadBalancer"]?["serversTransport"]?.stringValue {
                    checkReference(transport, in: "tcp", "serversTransports", what: "TCP servers transport", from: element, at: "loadBalancer.serversTransport")
                }
            }
            for (name, middleware) in configuration.elements("tcp", "middlewares") {
                checkExactlyOneKind(middleware, kinds: TraefikSchema.tcpMiddleware.fields.map(\.name), element: "tcp.middlewares.\(name)", what: "TCP middleware")
            }
        }

        mutating func checkUDP() {
            for (name, router) in configuration.elements("udp", "routers") {
                let element = "udp.routers.\(name)"
                if let service = router["service"]?.stringValue {
                    checkReference(service, in: "udp", "services", what: "UDP service", from: element, at: "service")
                } else {
                    report(element, "service", "the UDP router has no service")
                }
            }
            for (name, service) in configuration.elements("udp", "services") {
                let element = "udp.services.\(name)"
                checkExactlyOneKind(service, kinds: TraefikSchema.udpServiceKinds, element: element, what: "UDP service")
                for (index, child) in (service["weighted"]?["services"]?.listItems ?? []).enumerated() {
                    if let reference = child["name"]?.stringValue {
                        checkReference(reference, in: "udp", "services", what: "UDP service", from: element, at: "weighted.services[\(index)].name")
                    }
                }
            }
        }

        mutating func checkTLS() {
            for (index, certificate) in (configuration.root["tls"]?["certificates"]?.listItems ?? []).enumerated() {
                for field in ["certFile", "keyFile"] where certificate[field] == nil {
                    issues.append(ConfigIssue(
                        file: nil, path: "tls.certificates[\(index)].\(field)", message: "the certificate needs a \(field)",
                        severity: .elementError))
                }
            }
        }

        // MARK: Publishable

        /// A structure that would produce no key at all cannot be published: Traefik would never see it.
        mutating func checkPublishable(_ node: ConfigNode, path: String) {
            switch node {
            case .object(let children):
                if children.isEmpty && !path.isEmpty {
                    let element = elementPath(of: path)
                    issues.append(ConfigIssue(
                        file: file(for: element), path: path,
                        message: "it has no settings, so it would produce no Redis key at all; give it a setting or remove it",
                        severity: .notRepresentable))
                }
                for (key, child) in children {
                    checkPublishable(child, path: path.isEmpty ? key : "\(path).\(key)")
                }
            case .list(let items):
                for (index, item) in items.enumerated() {
                    checkPublishable(item, path: "\(path)[\(index)]")
                }
            case .value, .enabled:
                break
            }
        }

        private func elementPath(of path: String) -> String {
            path.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false).prefix(3).joined(separator: ".")
        }
    }
}
