import ArgumentParser
import RedisClient

/// The `traefik-coordinator` command line: the root command and its subcommands.
///
/// Subcommands fixed by the operator contract (ARCHITECTURE.md): `run`, `render`, `validate`, `diff`, `check`,
/// `publish`. They arrive with the issues that build them; `version` is here from the start.
@main
struct TraefikCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traefik-coordinator",
        abstract: "Keeps Traefik's routing configuration in Redis correct, highly available and observable.",
        discussion: """
            traefik-coordinator is the single, leader-elected writer of the keys that Traefik's Redis provider \
            reads (<rootKey>/http/routers/NAME/rule, ...). Replicas verify the keys on every Redis node and \
            check that keyspace notifications reach Traefik.
            """,
        version: BuildInfo.version,
        subcommands: [
            RunCommand.self, PublishCommand.self, DiffCommand.self, CheckCommand.self, RenderCommand.self, ValidateCommand.self,
            VersionCommand.self,
        ]
    )
}

/// `traefik-coordinator version`: prints the version, and the OpenSSL linked at run time.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version of traefik-coordinator and of the system OpenSSL it uses.")

    func run() {
        print("traefik-coordinator \(BuildInfo.version)")
        print("TLS: \(TLSLibrary.runtimeVersion) (system library; built against \(TLSLibrary.headerVersion))")
    }
}
