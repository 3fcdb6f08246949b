/// Facts about this build.
enum BuildInfo {
    /// The release version, bumped with each release.
    static let version = "0.1.0-dev"
}
