import CFuzzerDriver
import Foundation
import TraefikConfig

/// libFuzzer entry point for the dynamic-configuration loader and validator (`Fuzz/run config`).
///
/// The first byte chooses the format (YAML, TOML or JSON) and the rest is the file. Whatever the input, the
/// loader must return issues rather than crash. A configuration it accepts must render to Redis keys that
/// parse back to the same configuration, with the same hash (what we publish is what Traefik reads).
@_cdecl("LLVMFuzzerTestOneInput")
public func configFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let file = ["fuzz.yaml", "fuzz.toml", "fuzz.json"][Int(bytes[0]) % 3]
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let result = DynamicConfigurationLoader.load(documents: [(file, text)])
    guard result.isValid else { return 0 }
    let pairs = KVRenderer.render(result.configuration)
    // An empty configuration has no keys; Traefik reads none as "no configuration", which is why the
    // publisher always adds its placeholder (tested with the real Traefik). Nothing to round-trip here.
    guard !pairs.isEmpty else { return 0 }
    let (parsed, issues) = KVParser.parse(pairs)
    if !issues.isEmpty { fail("rendered keys did not parse back: \(issues)\nkeys: \(pairs)") }
    if ConfigurationHash.hash(parsed) != ConfigurationHash.hash(result.configuration) {
        fail("the configuration changed through Redis keys\nkeys: \(pairs)")
    }
    return 0
}

/// Reports a broken property and crashes, so libFuzzer saves the input (`precondition` loses its message in
/// release builds).
private func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("property failed: \(message)\n".utf8))
    abort()
}

/// SwiftPM links `main` to this symbol: run libFuzzer's driver on ``configFuzz(_:_:)``.
@_cdecl("ConfigFuzz_main")
public func configFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in configFuzz(data!, size) }
}
