import CFuzzerDriver
import Foundation
import NIOCore
import RESP

/// libFuzzer entry point for the RESP decoder (`Fuzz/run resp`): the input is a byte stream from a server.
///
/// Every decoded token is walked completely (aggregates element by element, maps pair by pair, every scalar
/// converted), because walking reads validated bytes without checking them again: a token the decoder let
/// through must be safe to walk. The stream is also fed split in two at a point taken from its first byte,
/// and must decode to the same tokens.
@_cdecl("LLVMFuzzerTestOneInput")
public func respFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let whole = decodeAll([ByteBuffer(bytes: bytes)])
    if size > 1 {
        let split = Int(bytes[0]) % size
        let parts = decodeAll([ByteBuffer(bytes: bytes[..<split]), ByteBuffer(bytes: bytes[split...])])
        if whole != parts {
            FileHandle.standardError.write(Data("property failed: a split at \(split) decoded differently: \(whole) vs \(parts)\n".utf8))
            abort()
        }
    }
    return 0
}

/// The tokens decoded from `reads` fed one after the other, each walked completely, up to the first error.
private func decodeAll(_ reads: [ByteBuffer]) -> [String] {
    var decoder = RESPTokenDecoder()
    var buffer = ByteBuffer()
    var tokens: [String] = []
    for read in reads {
        var read = read
        buffer.writeBuffer(&read)
        while true {
            let token: RESPToken?
            do {
                token = try decoder.decode(buffer: &buffer)
            } catch {
                return tokens + ["error"]  // a malformed stream ends the connection
            }
            guard let token else { break }  // more bytes needed: the next read
            tokens.append(walk(token))
        }
    }
    return tokens
}

/// A description of everything in `token`, reached through the public API.
private func walk(_ token: RESPToken, depth: Int = 0) -> String {
    switch token.value {
    case .array(let elements), .set(let elements), .push(let elements):
        return "[" + elements.map { walk($0, depth: depth + 1) }.joined(separator: ",") + "]"
    case .map(let pairs):
        return "{" + pairs.map { walk($0.key, depth: depth + 1) + ":" + walk($0.value, depth: depth + 1) }.joined(separator: ",") + "}"
    case .simpleString(let text), .simpleError(let text), .bulkString(let text), .bulkError(let text):
        return "s\(text.readableBytes)"
    case .verbatimString(let format, let text):
        return "v\(format)\(text.readableBytes)"
    case .integer(let value):
        return "i\(value)"
    case .double(let value):
        return "d\(value.isNaN ? "nan" : "\(value)")"
    case .boolean(let value):
        return "b\(value)"
    case .null:
        return "n"
    case .bigNumber(let digits):
        return "N\(digits)"
    }
}

/// SwiftPM links `main` to this symbol: run libFuzzer's driver on ``respFuzz(_:_:)``.
@_cdecl("RESPFuzz_main")
public func respFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in respFuzz(data!, size) }
}
