import Testing
import TraefikConfig

/// Must-show 1: the key layouts of the seed document (`000_72d570516bc46915.txt`) are what we render.
@Suite struct SeedLayoutTests {
    static func render(_ yaml: String) -> [String: String] {
        let result = DynamicConfigurationLoader.load(documents: [("seed.yml", yaml)])
        #expect(result.issues.isEmpty, "\(result.issues)")
        return Dictionary(uniqueKeysWithValues: KVRenderer.render(result.configuration).map { ($0.key, $0.value) })
    }

    @Test("3.1 minimal HTTP router and service")
    func minimalRouter() {
        let pairs = Self.render("""
            http:
              routers:
                myrouter:
                  rule: "Host(`kv.example.com`)"
                  entryPoints: [web, websecure]
                  service: myservice
              services:
                myservice:
                  loadBalancer:
                    servers: [{url: "http://10.0.10.5:8080"}, {url: "http://10.0.10.6:8080"}]
            """)
        #expect(pairs == [
            "traefik/http/routers/myrouter/rule": "Host(`kv.example.com`)",
            "traefik/http/routers/myrouter/entryPoints/0": "web",
            "traefik/http/routers/myrouter/entryPoints/1": "websecure",
            "traefik/http/routers/myrouter/service": "myservice",
            "traefik/http/services/myservice/loadBalancer/servers/0/url": "http://10.0.10.5:8080",
            "traefik/http/services/myservice/loadBalancer/servers/1/url": "http://10.0.10.6:8080",
        ])
    }

    @Test("3.2 middlewares and TLS: the seed's keys, with tls = true read back as the same router")
    func middlewaresAndTLS() {
        let yaml = """
            http:
              routers:
                myrouter:
                  rule: "Host(`kv.example.com`)"
                  service: myservice
                  middlewares: [auth, prefix]
                  tls:
                    certResolver: myresolver
                    domains: [{main: example.org, sans: [dev.example.org]}]
              middlewares:
                auth: {basicAuth: {users: ["u:$apr1$x$y"]}}
                prefix: {addPrefix: {prefix: /p}}
              services:
                myservice: {loadBalancer: {servers: [{url: "http://10.0.10.5:8080"}]}}
            """
        let pairs = Self.render(yaml)
        let seed: [String: String] = [
            "traefik/http/routers/myrouter/middlewares/0": "auth",
            "traefik/http/routers/myrouter/middlewares/1": "prefix",
            "traefik/http/routers/myrouter/tls": "true",
            "traefik/http/routers/myrouter/tls/certResolver": "myresolver",
            "traefik/http/routers/myrouter/tls/domains/0/main": "example.org",
            "traefik/http/routers/myrouter/tls/domains/0/sans/0": "dev.example.org",
        ]
        for (key, value) in seed where key != "traefik/http/routers/myrouter/tls" {
            #expect(pairs[key] == value, "\(key)")
        }
        // We write the presence marker only when TLS has no sub-options (the seed's TCP example does the same);
        // Traefik reads the seed's extra `tls = true` next to sub-options as the very same router.
        #expect(pairs["traefik/http/routers/myrouter/tls"] == nil)
        var withMarker = pairs.map { KVPair(key: $0.key, value: $0.value) }
        withMarker.append(KVPair(key: "traefik/http/routers/myrouter/tls", value: "true"))
        let loaded = DynamicConfigurationLoader.load(documents: [("seed.yml", yaml)]).configuration
        #expect(KVParser.parse(withMarker).configuration == loaded)
    }

    @Test("3.3 TCP passthrough")
    func tcpPassthrough() {
        let pairs = Self.render("""
            tcp:
              routers:
                mytcprouter:
                  rule: "HostSNI(`*`)"
                  entryPoints: [redis-tcp]
                  service: mytcpservice
                  tls: {passthrough: true}
              services:
                mytcpservice:
                  loadBalancer: {servers: [{address: "10.0.10.7:6379"}]}
            """)
        #expect(pairs == [
            "traefik/tcp/routers/mytcprouter/rule": "HostSNI(`*`)",
            "traefik/tcp/routers/mytcprouter/entryPoints/0": "redis-tcp",
            "traefik/tcp/routers/mytcprouter/service": "mytcpservice",
            "traefik/tcp/routers/mytcprouter/tls/passthrough": "true",
            "traefik/tcp/services/mytcpservice/loadBalancer/servers/0/address": "10.0.10.7:6379",
        ])
    }
}
