/// The classes of Redis keyspace notifications, as `notify-keyspace-events` spells them.
///
/// `K` keyspace, `E` keyevent, `g` generic (DEL, EXPIRE, RENAME…), `$` string, `l` list, `s` set, `h` hash,
/// `z` sorted set, `x` expired, `e` evicted, `t` stream, `m` key miss, `n` new key, `d` module; `A` is short for
/// `g$lshzxetd`. Traefik needs `K`, `$` and `g` (measured on Traefik 3.7: `K$` misses DEL; keyevent-only
/// settings miss everything).
public struct NotificationFlags: Sendable, Hashable, CustomStringConvertible {
    /// The classes enabled, `A` expanded.
    public let classes: Set<Character>

    /// Parses a `notify-keyspace-events` value (`""`, `KEA`, `Kg$`, …).
    public init(_ value: String) {
        var classes = Set<Character>()
        for character in value {
            if character == "A" {
                classes.formUnion("g$lshzxetd")
            } else {
                classes.insert(character)
            }
        }
        self.classes = classes
    }

    /// The classes of `required` that are not enabled, in `required`'s order.
    public func missing(_ required: NotificationFlags) -> [Character] {
        required.classes.subtracting(classes).sorted { order($0) < order($1) }
    }

    /// True when every class of `required` is enabled.
    public func satisfies(_ required: NotificationFlags) -> Bool { missing(required).isEmpty }

    public var description: String {
        String(classes.sorted { order($0) < order($1) })
    }

    private func order(_ character: Character) -> Int {
        "KEg$lshzxetdmn".firstIndex(of: character).map { "KEg$lshzxetdmn".distance(from: "KEg$lshzxetdmn".startIndex, to: $0) } ?? 99
    }
}
