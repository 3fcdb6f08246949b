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
