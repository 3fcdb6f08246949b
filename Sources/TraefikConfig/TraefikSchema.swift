/// Traefik v3 dynamic configuration as its file and KV decoders accept it, from Traefik 3.0 to 3.7.15.
///
/// Every field that is not in Traefik 3.0.0 records the release that introduced it (`since:`), read from
/// `pkg/config/dynamic`, `pkg/tls` and `pkg/types` at every 3.x tag and from the 3.7.10–3.7.15 binaries (no
/// field was removed or changed type in 3.x; `peerCertSANs` exists only after 3.7.15 and is not here). The
/// README's per-version table is generated from these annotations (`TraefikSchema.versionedFields`).
///
/// Written from Traefik's documentation and its `pkg/config/dynamic`, `pkg/tls` and `pkg/types` packages. Only
/// fields that both the file provider and the KV provider decode are here: fields Traefik hides from files
/// (`file:"-"`, such as the ingress-nginx translation middlewares) are unknown fields, as they are to Traefik.
/// Field names use Traefik's YAML spelling and are matched case-insensitively.
public enum TraefikSchema {
    /// The root: sections `http`, `tcp`, `udp` and `tls`.
    public static let configuration = SchemaObject("Configuration", [
        SchemaField("http", .object(http)),
        SchemaField("tcp", .object(tcp)),
        SchemaField("udp", .object(udp)),
        SchemaField("tls", .object(tls)),
    ])

    // MARK: Shared pieces

    private static let strings = SchemaType.list(.string)

    private static let domain = SchemaObject("Domain", [
        SchemaField("main", .string),
        SchemaField("sans", strings),
    ])

    private static let certificate = SchemaObject("Certificate", [
        SchemaField("certFile", .string),
        SchemaField("keyFile", .string),
    ])

    private static let spiffe = SchemaObject("Spiffe", [
        SchemaField("ids", strings),
        SchemaField("trustDomain", .string),
    ])

    /// `healthCheck: {}` on weighted, mirroring and failover services: an empty structure, switched on by presence.
    private static let emptyHealthCheck = SchemaObject("HealthCheck", [])

    private static let ipStrategy = SchemaObject("IPStrategy", [
        SchemaField("depth", .integer),
        SchemaField("excludedIPs", strings),
        SchemaField("ipv6Subnet", .integer, since: "3.2"),
    ])

    private static let sourceCriterion = SchemaObject("SourceCriterion", [
        SchemaField("ipStrategy", .object(ipStrategy)),
        SchemaField("requestHeaderName", .string),
        SchemaField("requestHost", .bool),
    ])

    private static let sticky = SchemaObject("Sticky", [
        SchemaField("cookie", .object(SchemaObject("Cookie", [
            SchemaField("name", .string),
            SchemaField("secure", .bool),
            SchemaField("httpOnly", .bool),
            SchemaField("sameSite", .string),
            SchemaField("maxAge", .integer),
            SchemaField("path", .string, since: "3.3"),
            SchemaField("domain", .string, since: "3.4"),
            SchemaField("expires", .ignoredInFiles),
        ])), presence: .fileAndKV),
    ])

    // MARK: HTTP

    static let routerTLS = SchemaObject("RouterTLSConfig", [
        SchemaField("options", .string),
        SchemaField("certResolver", .string),
        SchemaField("domains", .list(.object(domain))),
        SchemaField("resolvedOptions", .ignoredInFiles),
    ])

    private static let routerObservability = SchemaObject("RouterObservabilityConfig", [
        SchemaField("accessLogs", .bool),
        SchemaField("metrics", .bool),
        SchemaField("tracing", .bool),
        SchemaField("traceVerbosity", .string, since: "3.5"),
        SchemaField("metadata", .ignoredInFiles),
    ])

    static let httpRouter = SchemaObject("Router", [
        SchemaField("entryPoints", strings),
        SchemaField("middlewares", strings),
        SchemaField("service", .string),
        SchemaField("rule", .string),
        SchemaField("parentRefs", strings, since: "3.6"),
        SchemaField("ruleSyntax", .string),
        SchemaField("priority", .integer),
        SchemaField("tls", .object(routerTLS), presence: .fileAndKV),
        SchemaField("observability", .object(routerObservability), since: "3.3"),
        SchemaField("defaultRule", .ignoredInFiles),
        SchemaField("deniedEncodedPathCharacters", .ignoredInFiles),
    ])

    private static let model = SchemaObject("Model", [
        SchemaField("middlewares", strings),
        SchemaField("tls", .object(routerTLS), presence: .fileAndKV),
        SchemaField("observability", .object(routerObservability), since: "3.3"),
        SchemaField("deniedEncodedPathCharacters", .ignoredInFiles),
        SchemaField("defaultRuleSyntax", .ignoredInFiles),
    ])

    private static let serverHealthCheck = SchemaObject("ServerHealthCheck", [
        SchemaField("scheme", .string),
        SchemaField("mode", .string),
        SchemaField("path", .string),
        SchemaField("method", .string),
        SchemaField("status", .integer),
        SchemaField("port", .integer),
        SchemaField("interval", .duration),
        SchemaField("unhealthyInterval", .duration, since: "3.5"),
        SchemaField("timeout", .duration),
        SchemaField("hostname", .string),
        SchemaField("followRedirects", .bool),
        SchemaField("headers", .dictionary(.string)),
    ])

    private static let loadBalancer = SchemaObject("ServersLoadBalancer", [
        SchemaField("sticky", .object(sticky), presence: .fileAndKV),
        SchemaField("servers", .list(.object(SchemaObject("Server", [
            SchemaField("url", .string),
            SchemaField("weight", .integer),
            SchemaField("preservePath", .bool, since: "3.2"),
            SchemaField("fenced", .ignoredInFiles),
            SchemaField("scheme", .ignoredInFiles),
            SchemaField("port", .ignoredInFiles),
        ])))),
        SchemaField("strategy", .string, since: "3.4"),
        SchemaField("healthCheck", .object(serverHealthCheck)),
        SchemaField("passiveHealthCheck", since: "3.6", .object(SchemaObject("PassiveServerHealthCheck", [
            SchemaField("failureWindow", .duration),
            SchemaField("maxFailedAttempts", .integer),
        ]))),
        SchemaField("passHostHeader", .bool),
        SchemaField("responseForwarding", .object(SchemaObject("ResponseForwarding", [
            SchemaField("flushInterval", .duration),
        ]))),
        SchemaField("serversTransport", .string),
        SchemaField("nginxUpstreamHashBy", .ignoredInFiles),
    ])

    private static let namedWeight = SchemaObject("WRRService", [
        SchemaField("name", .string),
        SchemaField("weight", .integer),
    ])

    private static let httpWeightedService = SchemaObject("WRRService", namedWeight.fields + [
        SchemaField("headers", .ignoredInFiles),
        SchemaField("status", .ignoredInFiles),
        SchemaField("gRPCStatus", .ignoredInFiles),
    ])

    static let httpService = SchemaObject("Service", [
        SchemaField("middlewares", strings, since: "3.7"),
        SchemaField("loadBalancer", .object(loadBalancer)),
        SchemaField("highestRandomWeight", since: "3.6", .object(SchemaObject("HighestRandomWeight", [
            SchemaField("services", .list(.object(namedWeight))),
            SchemaField("healthCheck", .object(emptyHealthCheck), presence: .fileAndKV),
        ]))),
        SchemaField("weighted", .object(SchemaObject("WeightedRoundRobin", [
            SchemaField("services", .list(.object(httpWeightedService))),
            SchemaField("sticky", .object(sticky)),
            SchemaField("healthCheck", .object(emptyHealthCheck), presence: .fileAndKV),
        ]))),
        SchemaField("mirroring", .object(SchemaObject("Mirroring", [
            SchemaField("service", .string),
            SchemaField("mirrorBody", .bool, since: "3.2"),
            SchemaField("maxBodySize", .integer),
            SchemaField("mirrors", .list(.object(SchemaObject("MirrorService", [
                SchemaField("name", .string),
                SchemaField("percent", .integer),
            ])))),
            SchemaField("healthCheck", .object(emptyHealthCheck), presence: .fileAndKV),
        ]))),
        SchemaField("failover", .object(SchemaObject("Failover", [
            SchemaField("service", .string),
            SchemaField("fallback", .string),
            SchemaField("healthCheck", .object(emptyHealthCheck), presence: .fileOnly),
            SchemaField("errors", since: "3.7", .object(SchemaObject("FailoverError", [
                SchemaField("maxRequestBodyBytes", .integer),
                SchemaField("status", strings),
            ]))),
        ]))),
    ])

    /// The HTTP service kinds: a service must set exactly one.
    static let httpServiceKinds = ["loadBalancer", "highestRandomWeight", "weighted", "mirroring", "failover"]

    private static let clientTLS = SchemaObject("ClientTLS", [
        SchemaField("ca", .string),
        SchemaField("cert", .string),
        SchemaField("key", .string),
        SchemaField("insecureSkipVerify", .bool),
    ])

    private static let tlsClientCertificateInfo = SchemaObject("TLSClientCertificateInfo", [
        SchemaField("notAfter", .bool),
        SchemaField("notBefore", .bool),
        SchemaField("sans", .bool),
        SchemaField("serialNumber", .bool),
        SchemaField("subject", .object(SchemaObject("TLSClientCertificateSubjectDNInfo", [
            SchemaField("country", .bool),
            SchemaField("province", .bool),
            SchemaField("locality", .bool),
            SchemaField("organization", .bool),
            SchemaField("organizationalUnit", .bool),
            SchemaField("commonName", .bool),
            SchemaField("serialNumber", .bool),
            SchemaField("domainComponent", .bool),
        ]))),
        SchemaField("issuer", .object(SchemaObject("TLSClientCertificateIssuerDNInfo", [
            SchemaField("country", .bool),
            SchemaField("province", .bool),
            SchemaField("locality", .bool),
            SchemaField("organization", .bool),
            SchemaField("commonName", .bool),
            SchemaField("serialNumber", .bool),
            SchemaField("domainComponent", .bool),
        ]))),
    ])

    private static let encodedCharacterOptions: [SchemaField] = [
        SchemaField("allowEncodedSlash", .bool),
        SchemaField("allowEncodedBackSlash", .bool),
        SchemaField("allowEncodedNullCharacter", .bool),
        SchemaField("allowEncodedSemicolon", .bool),
        SchemaField("allowEncodedPercent", .bool),
        SchemaField("allowEncodedQuestionMark", .bool),
        SchemaField("allowEncodedHash", .bool),
    ]

    private static let httpMiddlewareKinds: [SchemaField] = [
        SchemaField("addPrefix", .object(SchemaObject("AddPrefix", [SchemaField("prefix", .string)]))),
        SchemaField("stripPrefix", .object(SchemaObject("StripPrefix", [
            SchemaField("prefixes", strings),
            SchemaField("forceSlash", .bool),
        ]))),
        SchemaField("stripPrefixRegex", .object(SchemaObject("StripPrefixRegex", [SchemaField("regex", strings)]))),
        SchemaField("replacePath", .object(SchemaObject("ReplacePath", [SchemaField("path", .string)]))),
        SchemaField("replacePathRegex", .object(SchemaObject("ReplacePathRegex", [
            SchemaField("regex", .string),
            SchemaField("replacement", .string),
        ]))),
        SchemaField("chain", .object(SchemaObject("Chain", [SchemaField("middlewares", strings)]))),
        SchemaField("ipWhiteList", .object(SchemaObject("IPWhiteList", [
            SchemaField("sourceRange", strings),
            SchemaField("ipStrategy", .object(ipStrategy), presence: .fileAndKV),
        ]))),
        SchemaField("ipAllowList", .object(SchemaObject("IPAllowList", [
            SchemaField("sourceRange", strings),
            SchemaField("ipStrategy", .object(ipStrategy), presence: .fileAndKV),
            SchemaField("rejectStatusCode", .integer),
        ]))),
        SchemaField("headers", .object(SchemaObject("Headers", [
            SchemaField("customRequestHeaders", .dictionary(.string)),
            SchemaField("customResponseHeaders", .dictionary(.string)),
            SchemaField("accessControlAllowCredentials", .bool),
            SchemaField("accessControlAllowHeaders", strings),
            SchemaField("accessControlAllowMethods", strings),
            SchemaField("accessControlAllowOriginList", strings),
            SchemaField("accessControlAllowOriginListRegex", strings),
            SchemaField("accessControlExposeHeaders", strings),
            SchemaField("accessControlMaxAge", .integer),
            SchemaField("addVaryHeader", .bool),
            SchemaField("allowedHosts", strings),
            SchemaField("hostsProxyHeaders", strings),
            SchemaField("sslProxyHeaders", .dictionary(.string)),
            SchemaField("stsSeconds", .integer),
            SchemaField("stsIncludeSubdomains", .bool),
            SchemaField("stsPreload", .bool),
            SchemaField("forceSTSHeader", .bool),
            SchemaField("frameDeny", .bool),
            SchemaField("customFrameOptionsValue", .string),
            SchemaField("contentTypeNosniff", .bool),
            SchemaField("browserXssFilter", .bool),
            SchemaField("customBrowserXSSValue", .string),
            SchemaField("contentSecurityPolicy", .string),
            SchemaField("contentSecurityPolicyReportOnly", .string, since: "3.1"),
            SchemaField("publicKey", .string),
            SchemaField("referrerPolicy", .string),
            SchemaField("permissionsPolicy", .string),
            SchemaField("isDevelopment", .bool),
            SchemaField("featurePolicy", .string),
            SchemaField("sslRedirect", .bool),
            SchemaField("sslTemporaryRedirect", .bool),
            SchemaField("sslHost", .string),
            SchemaField("sslForceHost", .bool),
        ]))),
        SchemaField("encodedCharacters", .object(SchemaObject("EncodedCharacters", encodedCharacterOptions)), since: "3.7"),
        SchemaField("errors", .object(SchemaObject("ErrorPage", [
            SchemaField("status", strings),
            SchemaField("statusRewrites", .dictionary(.integer), since: "3.4"),
            SchemaField("service", .string),
            SchemaField("query", .string),
            SchemaField("errorRequestHeaders", strings, since: "3.6.15"),
            SchemaField("nginxHeaders", .ignoredInFiles),
        ]))),
        SchemaField("rateLimit", .object(SchemaObject("RateLimit", [
            SchemaField("average", .integer),
            SchemaField("period", .duration),
            SchemaField("burst", .integer),
            SchemaField("sourceCriterion", .object(sourceCriterion)),
            SchemaField("redis", since: "3.4", .object(SchemaObject("Redis", [
                SchemaField("endpoints", strings),
                SchemaField("tls", .object(clientTLS)),
                SchemaField("username", .string),
                SchemaField("password", .string),
                SchemaField("db", .integer),
                SchemaField("poolSize", .integer),
                SchemaField("minIdleConns", .integer),
                SchemaField("maxActiveConns", .integer),
                SchemaField("readTimeout", .duration),
                SchemaField("writeTimeout", .duration),
                SchemaField("dialTimeout", .duration),
            ]))),
        ]))),
        SchemaField("redirectRegex", .object(SchemaObject("RedirectRegex", [
            SchemaField("regex", .string),
            SchemaField("replacement", .string),
            SchemaField("permanent", .bool),
            SchemaField("statusCode", .ignoredInFiles),
        ]))),
        SchemaField("redirectScheme", .object(SchemaObject("RedirectScheme", [
            SchemaField("scheme", .string),
            SchemaField("port", .string),
            SchemaField("permanent", .bool),
            SchemaField("forcePermanentRedirect", .ignoredInFiles),
        ]))),
        SchemaField("basicAuth", .object(SchemaObject("BasicAuth", [
            SchemaField("users", strings),
            SchemaField("usersFile", .string),
            SchemaField("realm", .string),
            SchemaField("removeHeader", .bool),
            SchemaField("headerField", .string),
        ]))),
        SchemaField("digestAuth", .object(SchemaObject("DigestAuth", [
            SchemaField("users", strings),
            SchemaField("usersFile", .string),
            SchemaField("removeHeader", .bool),
            SchemaField("realm", .string),
            SchemaField("headerField", .string),
        ]))),
        SchemaField("forwardAuth", .object(SchemaObject("ForwardAuth", [
            SchemaField("address", .string),
            SchemaField("tls", .object(SchemaObject("ClientTLS", clientTLS.fields + [SchemaField("caOptional", .bool)]))),
            SchemaField("trustForwardHeader", .bool),
            SchemaField("authResponseHeaders", strings),
            SchemaField("authResponseHeadersRegex", .string),
            SchemaField("authRequestHeaders", strings),
            SchemaField("maxResponseBodySize", .integer, since: "3.6.9"),
            SchemaField("addAuthCookiesToResponse", strings),
            SchemaField("headerField", .string, since: "3.2"),
            SchemaField("forwardBody", .bool, since: "3.3"),
            SchemaField("maxBodySize", .integer, since: "3.3"),
            SchemaField("preserveLocationHeader", .bool, since: "3.3"),
            SchemaField("preserveRequestMethod", .bool, since: "3.4"),
            SchemaField("authSigninURL", .string, since: "3.7"),
        ]))),
        SchemaField("inFlightReq", .object(SchemaObject("InFlightReq", [
            SchemaField("amount", .integer),
            SchemaField("sourceCriterion", .object(sourceCriterion)),
        ]))),
        SchemaField("buffering", .object(SchemaObject("Buffering", [
            SchemaField("maxRequestBodyBytes", .integer),
            SchemaField("memRequestBodyBytes", .integer),
            SchemaField("maxResponseBodyBytes", .integer),
            SchemaField("memResponseBodyBytes", .integer),
            SchemaField("retryExpression", .string),
            SchemaField("disableRequestBuffer", .ignoredInFiles),
            SchemaField("disableResponseBuffer", .ignoredInFiles),
        ]))),
        SchemaField("circuitBreaker", .object(SchemaObject("CircuitBreaker", [
            SchemaField("expression", .string),
            SchemaField("checkPeriod", .duration),
            SchemaField("fallbackDuration", .duration),
            SchemaField("recoveryDuration", .duration),
            SchemaField("responseCode", .integer),
        ]))),
        SchemaField("compress", .object(SchemaObject("Compress", [
            SchemaField("excludedContentTypes", strings),
            SchemaField("includedContentTypes", strings),
            SchemaField("minResponseBodyBytes", .integer),
            SchemaField("encodings", strings, since: "3.2"),
            SchemaField("defaultEncoding", .string, since: "3.0.2"),
        ])), presence: .fileAndKV),
        SchemaField("passTLSClientCert", .object(SchemaObject("PassTLSClientCert", [
            SchemaField("pem", .bool),
            SchemaField("info", .object(tlsClientCertificateInfo)),
        ]))),
        SchemaField("retry", .object(SchemaObject("Retry", [
            SchemaField("attempts", .integer),
            SchemaField("timeout", .duration, since: "3.7"),
            SchemaField("initialInterval", .duration),
            SchemaField("maxRequestBodyBytes", .integer, since: "3.7"),
            SchemaField("status", strings, since: "3.7"),
            SchemaField("disableRetryOnNetworkError", .bool, since: "3.7"),
            SchemaField("retryNonIdempotentMethod", .bool, since: "3.7"),
        ]))),
        SchemaField("contentType", .object(SchemaObject("ContentType", [
            SchemaField("autoDetect", .bool),
        ])), presence: .fileAndKV),
        SchemaField("grpcWeb", .object(SchemaObject("GrpcWeb", [SchemaField("allowOrigins", strings)]))),
        SchemaField("plugin", .dictionary(.freeForm)),
        // Ingress-NGINX and Gateway API translations: known to Traefik, ignored in files.
        SchemaField("requestHeaderModifier", .ignoredInFiles),
        SchemaField("responseHeaderModifier", .ignoredInFiles),
        SchemaField("requestRedirect", .ignoredInFiles),
        SchemaField("urlRewrite", .ignoredInFiles),
        SchemaField("authTLSPassCertificateToUpstream", .ignoredInFiles),
        SchemaField("snippet", .ignoredInFiles),
        SchemaField("rewriteTarget", .ignoredInFiles),
        SchemaField("upstreamVHost", .ignoredInFiles),
        SchemaField("appRoot", .ignoredInFiles),
    ]

    static let httpMiddleware = SchemaObject("Middleware", httpMiddlewareKinds)

    private static let serversTransport = SchemaObject("ServersTransport", [
        SchemaField("serverName", .string),
        SchemaField("insecureSkipVerify", .bool),
        SchemaField("rootCAs", strings),
        SchemaField("certificates", .list(.object(certificate))),
        SchemaField("cipherSuites", strings, since: "3.7"),
        SchemaField("minVersion", .string, since: "3.7"),
        SchemaField("maxVersion", .string, since: "3.7"),
        SchemaField("maxIdleConnsPerHost", .integer),
        SchemaField("forwardingTimeouts", .object(SchemaObject("ForwardingTimeouts", [
            SchemaField("dialTimeout", .duration),
            SchemaField("responseHeaderTimeout", .duration),
            SchemaField("idleConnTimeout", .duration),
            SchemaField("readIdleTimeout", .duration),
            SchemaField("pingTimeout", .duration),
            SchemaField("readTimeout", .duration, since: "3.7"),
            SchemaField("writeTimeout", .duration, since: "3.7"),
        ]))),
        SchemaField("disableHTTP2", .bool),
        SchemaField("peerCertURI", .string),
        SchemaField("spiffe", .object(spiffe), presence: .fileOnly),
    ])

    static let http = SchemaObject("HTTPConfiguration", [
        SchemaField("routers", .dictionary(.object(httpRouter))),
        SchemaField("services", .dictionary(.object(httpService))),
        SchemaField("middlewares", .dictionary(.object(httpMiddleware))),
        SchemaField("models", .dictionary(.object(model))),
        SchemaField("serversTransports", .dictionary(.object(serversTransport))),
    ])

    // MARK: TCP

    private static let proxyProtocol = SchemaObject("ProxyProtocol", [SchemaField("version", .integer)])

    static let tcpRouter = SchemaObject("TCPRouter", [
        SchemaField("entryPoints", strings),
        SchemaField("middlewares", strings),
        SchemaField("service", .string),
        SchemaField("rule", .string),
        SchemaField("ruleSyntax", .string),
        SchemaField("priority", .integer),
        SchemaField("tls", .object(SchemaObject("RouterTCPTLSConfig", [
            SchemaField("passthrough", .bool),
            SchemaField("options", .string),
            SchemaField("certResolver", .string),
            SchemaField("domains", .list(.object(domain))),
        ])), presence: .fileAndKV),
    ])

    static let tcpService = SchemaObject("TCPService", [
        SchemaField("loadBalancer", .object(SchemaObject("TCPServersLoadBalancer", [
            SchemaField("servers", .list(.object(SchemaObject("TCPServer", [
                SchemaField("address", .string),
                SchemaField("port", .string),
                SchemaField("tls", .bool),
            ])))),
            SchemaField("serversTransport", .string),
            SchemaField("proxyProtocol", .object(proxyProtocol), presence: .fileAndKV),
            SchemaField("terminationDelay", .integer),
            SchemaField("healthCheck", since: "3.6", .object(SchemaObject("TCPServerHealthCheck", [
                SchemaField("port", .integer),
                SchemaField("send", .string),
                SchemaField("expect", .string),
                SchemaField("interval", .duration),
                SchemaField("unhealthyInterval", .duration),
                SchemaField("timeout", .duration),
            ])), presence: .fileAndKV),
        ]))),
        SchemaField("weighted", .object(SchemaObject("TCPWeightedRoundRobin", [
            SchemaField("services", .list(.object(namedWeight))),
            SchemaField("healthCheck", .object(emptyHealthCheck), presence: .fileAndKV, since: "3.6"),
        ]))),
    ])

    static let tcpServiceKinds = ["loadBalancer", "weighted"]

    static let tcpMiddleware = SchemaObject("TCPMiddleware", [
        SchemaField("inFlightConn", .object(SchemaObject("TCPInFlightConn", [SchemaField("amount", .integer)]))),
        SchemaField("ipWhiteList", .object(SchemaObject("TCPIPWhiteList", [SchemaField("sourceRange", strings)]))),
        SchemaField("ipAllowList", .object(SchemaObject("TCPIPAllowList", [SchemaField("sourceRange", strings)]))),
    ])

    private static let tcpServersTransport = SchemaObject("TCPServersTransport", [
        SchemaField("dialKeepAlive", .duration),
        SchemaField("dialTimeout", .duration),
        SchemaField("proxyProtocol", .object(proxyProtocol), presence: .fileAndKV, since: "3.5.2"),
        SchemaField("terminationDelay", .duration),
        SchemaField("tls", .object(SchemaObject("TLSClientConfig", [
            SchemaField("serverName", .string),
            SchemaField("insecureSkipVerify", .bool),
            SchemaField("rootCAs", strings),
            SchemaField("certificates", .list(.object(certificate))),
            SchemaField("peerCertURI", .string),
            SchemaField("spiffe", .object(spiffe), presence: .fileOnly),
        ])), presence: .fileAndKV),
    ])

    static let tcp = SchemaObject("TCPConfiguration", [
        SchemaField("routers", .dictionary(.object(tcpRouter))),
        SchemaField("services", .dictionary(.object(tcpService))),
        SchemaField("middlewares", .dictionary(.object(tcpMiddleware))),
        SchemaField("serversTransports", .dictionary(.object(tcpServersTransport))),
        SchemaField("models", .ignoredInFiles),
    ])

    // MARK: UDP

    static let udp = SchemaObject("UDPConfiguration", [
        SchemaField("routers", .dictionary(.object(SchemaObject("UDPRouter", [
            SchemaField("entryPoints", strings),
            SchemaField("service", .string),
        ])))),
        SchemaField("services", .dictionary(.object(SchemaObject("UDPService", [
            SchemaField("loadBalancer", .object(SchemaObject("UDPServersLoadBalancer", [
                SchemaField("servers", .list(.object(SchemaObject("UDPServer", [
                    SchemaField("address", .string),
                    SchemaField("port", .ignoredInFiles),
                ])))),
            ]))),
            SchemaField("weighted", .object(SchemaObject("UDPWeightedRoundRobin", [
                SchemaField("services", .list(.object(namedWeight))),
            ]))),
        ])))),
    ])

    static let udpServiceKinds = ["loadBalancer", "weighted"]

    // MARK: TLS

    static let tls = SchemaObject("TLSConfiguration", [
        SchemaField("certificates", .list(.object(SchemaObject("CertAndStores", certificate.fields + [
            SchemaField("stores", strings),
        ])))),
        SchemaField("options", .dictionary(.object(SchemaObject("Options", [
            SchemaField("minVersion", .string),
            SchemaField("maxVersion", .string),
            SchemaField("cipherSuites", strings),
            SchemaField("curvePreferences", strings),
            SchemaField("clientAuth", .object(SchemaObject("ClientAuth", [
                SchemaField("caFiles", strings),
                SchemaField("clientAuthType", .string),
            ]))),
            SchemaField("sniStrict", .bool),
            SchemaField("alpnProtocols", strings),
            SchemaField("disableSessionTickets", .bool, since: "3.4"),
            SchemaField("preferServerCipherSuites", .bool),
        ])))),
        SchemaField("stores", .dictionary(.object(SchemaObject("Store", [
            SchemaField("defaultCertificate", .object(certificate)),
            SchemaField("defaultGeneratedCert", .object(SchemaObject("GeneratedCert", [
                SchemaField("resolver", .string),
                SchemaField("domain", .object(domain)),
            ]))),
        ])))),
    ])
}
