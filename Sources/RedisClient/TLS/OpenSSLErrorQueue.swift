import COpenSSL
import COpenSSLShims

/// Reads OpenSSL's thread-local error queue into readable reason strings.
///
/// Call ``clear()`` before an OpenSSL operation and ``drain()`` right after it fails, on the same thread.
enum OpenSSLErrorQueue {
    /// Empties the queue.
    static func clear() {
        ERR_clear_error()
    }

    /// Empties the queue, returning one `library: reason` string per entry, oldest first, without duplicates.
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let reason = describe(code)
            if !reasons.contains(reason) { reasons.append(reason) }
        }
        return reasons
    }

    /// `library: reason` from OpenSSL's `error:code:library:function:reason` text (system errors included,
    /// which have no entry in the reason table).
    private static func describe(_ code: UInt) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = text.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count == 5 else { return text }
        return fields[2].isEmpty ? String(fields[4]) : "\(fields[2]): \(fields[4])"
    }
}
