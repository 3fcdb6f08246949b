import COpenSSL

/// A stable content hash of a rendered configuration: SHA-256 over its pairs in key order, keys taken relative
/// to the root key. The same configuration gives the same hash whatever the file order, formats or spelling
/// of field names it came from, and under any root key.
public enum ConfigurationHash {
    /// The hash of `configuration`, as 64 lower-case hex digits.
    public static func hash(_ configuration: DynamicConfiguration) -> String {
        hash(pairs: KVRenderer.render(configuration, rootKey: ""))
    }

    /// The hash of already rendered pairs under `rootKey`.
    public static func hash(pairs: [KVPair], rootKey: String = "") -> String {
        var bytes: [UInt8] = []
        for pair in pairs.sorted(by: { $0.key < $1.key }) {
            let key = Array(pair.key.utf8.dropFirst(rootKey.utf8.count))
            let value = Array(pair.value.utf8)
            appendLength(key.count, to: &bytes)
            bytes += key
            appendLength(value.count, to: &bytes)
            bytes += value
        }
        return sha256Hex(bytes)
    }

    private static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(length).bigEndian) { bytes.append(contentsOf: $0) }
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                _ = SHA256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        let hexDigits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
