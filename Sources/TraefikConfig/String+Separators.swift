/// Separators as Traefik sees them: single bytes.
///
/// Swift compares and splits `String`s by `Character`, and a separator followed by a combining mark (`,` then
/// U+05BC) is one `Character` that is not `","`. Traefik (Go) looks at bytes and sees the separator. Every
/// check for `/`, `,` or `@` that must agree with Traefik goes through these (found by fuzzing: a list entry
/// starting with a combining mark was merged with the entry before it).
extension StringProtocol {
    /// True when the text holds the scalar `separator`, wherever marks around it put it in a `Character`.
    func containsSeparator(_ separator: Unicode.Scalar) -> Bool {
        unicodeScalars.contains(separator)
    }

    /// True when the text's first scalar is `separator`.
    func startsWithSeparator(_ separator: Unicode.Scalar) -> Bool {
        unicodeScalars.first == separator
    }

    /// The text split on every `separator` scalar, keeping empty pieces (Go's `strings.Split`).
    func splitOnSeparator(_ separator: Unicode.Scalar) -> [String] {
        unicodeScalars.split(separator: separator, omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
    }
}
