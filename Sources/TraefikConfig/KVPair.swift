/// One Redis key and its string value, as Traefik's KV provider reads it.
public struct KVPair: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public var description: String { "\(key) = \(value)" }
}

extension KVPair {
    /// True when `key` starts with `rootKey/`, compared on Unicode scalars as Traefik (Go) compares bytes.
    public static func isKey(_ key: String, under rootKey: String) -> Bool {
        let scalars = key.unicodeScalars
        let root = rootKey.unicodeScalars
        return scalars.starts(with: root) && scalars.dropFirst(root.count).first == "/"
    }

    /// The `/`-separated segments of `key` after `rootKey/` (the caller knows the key is under it), split on
    /// Unicode scalars as Traefik splits bytes. Swift's Characters would miss a separator: a `/` followed by a
    /// combining mark is one Character (found by fuzzing).
    public static func segments(of key: String, under rootKey: String, maxSplits: Int = .max) -> [Substring] {
        key.unicodeScalars.dropFirst(rootKey.unicodeScalars.count + 1).split(separator: "/", maxSplits: maxSplits)
            .map { Substring($0) }
    }
}
