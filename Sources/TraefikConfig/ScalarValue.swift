/// Checks one scalar the way Traefik's decoder parses it, and gives its canonical text.
enum ScalarValue {
    /// The canonical text of `text` for a scalar `type`, or an error message saying why Traefik would reject it.
    static func canonical(_ text: String, as type: SchemaType) -> Result<String, ScalarError> {
        switch type {
        case .bool:
            // Go's strconv.ParseBool.
            switch text {
            case "1", "t", "T", "TRUE", "true", "True": return .success("true")
            case "0", "f", "F", "FALSE", "false", "False": return .success("false")
            default: return .failure(ScalarError("invalid boolean \"\(text)\" (use true or false)"))
            }
        case .integer:
            guard GoDuration.isGoDecimalInteger(text), let value = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
                return .failure(ScalarError("invalid integer \"\(text)\" (a whole number in decimal is expected)"))
            }
            return .success(String(value))
        case .duration:
            guard let nanoseconds = GoDuration.parse(text) else {
                return .failure(ScalarError(
                    "invalid duration \"\(text)\" (write it as Traefik does: 10s, 500ms, 1m30s; a bare number counts seconds)"))
            }
            return .success(GoDuration.format(nanoseconds: nanoseconds))
        default:
            return .success(text)
        }
    }

    struct ScalarError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
