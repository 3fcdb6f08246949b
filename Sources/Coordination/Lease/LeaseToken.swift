/// The lease's value, `<instanceId>:<term>` (written by `LeaseScripts.acquire`), read back in one place.
enum LeaseToken {
    /// The instance id (everything before the last `:`; ids may contain colons).
    static func instance(of token: String) -> String {
        token.split(separator: ":").dropLast().joined(separator: ":")
    }

    /// The term (after the last `:`), or `nil` for a value that is not a token.
    static func term(of token: String) -> Int64? {
        token.split(separator: ":").last.flatMap { Int64($0) }
    }
}
