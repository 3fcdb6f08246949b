public import TraefikConfig

/// A validated desired configuration, rendered to the keys we publish (placeholder included).
public struct DesiredState: Sendable, Hashable {
    /// The keys and values to publish.
    public var pairs: [KVPair]
    /// SHA-256 of the pairs (relative to the root key).
    public var hash: String
    /// The files it was read from.
    public var files: [String]

    /// Loads, validates (for `target`: the oldest Traefik reading the keys) and renders `path` (a file or a
    /// directory).
    ///
    /// - Returns: the state, or the validation problems (each naming its file and path) when it is not valid.
    public static func load(
        path: String, rootKey: String, target: TraefikTarget = .newest
    ) -> Result<DesiredState, DesiredStateError> {
        let loaded = DynamicConfigurationLoader.load(path: path, target: target)
        guard loaded.isValid else {
            return .failure(DesiredStateError(problems: loaded.issues.map(\.description)))
        }
        let rendered = KVRenderer.render(loaded.configuration, rootKey: rootKey)
        if let collision = rendered.first(where: { Placeholder.collides($0.key, rootKey: rootKey) }) {
            return .failure(
                DesiredStateError(problems: [
                    "\(collision.key): the name '\(Placeholder.name)' is reserved by traefik-coordinator; rename the element"
                ]))
        }
        let pairs = Publisher.withPlaceholder(rendered, rootKey: rootKey)
        return .success(
            DesiredState(pairs: pairs, hash: ConfigurationHash.hash(pairs: pairs, rootKey: rootKey), files: loaded.files))
    }
}

/// Why the desired configuration was not accepted (the last good one stays published).
public struct DesiredStateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Each problem names its file and path.
    public var problems: [String]

    public var description: String {
        "the dynamic configuration is not valid (\(problems.count) problem\(problems.count == 1 ? "" : "s")): "
            + problems.prefix(10).joined(separator: "; ")
    }
}
