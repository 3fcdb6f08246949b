/// The first byte of every RESP2/RESP3 value, which names its type.
public enum RESPTypeIdentifier: UInt8, Sendable, Hashable, CaseIterable {
    case simpleString = 0x2B    // +
    case simpleError = 0x2D     // -
    case integer = 0x3A         // :
    case bulkString = 0x24      // $
    case array = 0x2A           // *
    case null = 0x5F            // _
    case boolean = 0x23         // #
    case double = 0x2C          // ,
    case bigNumber = 0x28       // (
    case bulkError = 0x21       // !
    case verbatimString = 0x3D  // =
    case map = 0x25             // %
    case set = 0x7E             // ~
    case attribute = 0x7C       // |
    case push = 0x3E            // >

    /// Whether the first line after the type byte is a decimal integer: the value of an integer, the length of
    /// a bulk value or the element count of an aggregate.
    var hasIntegerLine: Bool {
        switch self {
        case .integer, .bulkString, .bulkError, .verbatimString, .array, .set, .push, .map, .attribute: true
        default: false
        }
    }

    /// The type `byte` names, or `nil`. Unlike the synthesized `init(rawValue:)` (8 % of decoding arrays of
    /// integers), this switch compiles to one table lookup.
    @inline(__always)
    init?(byte: UInt8) {
        switch byte {
        case 0x2B: self = .simpleString
        case 0x2D: self = .simpleError
        case 0x3A: self = .integer
        case 0x24: self = .bulkString
        case 0x2A: self = .array
        case 0x5F: self = .null
        case 0x23: self = .boolean
        case 0x2C: self = .double
        case 0x28: self = .bigNumber
        case 0x21: self = .bulkError
        case 0x3D: self = .verbatimString
        case 0x25: self = .map
        case 0x7E: self = .set
        case 0x7C: self = .attribute
        case 0x3E: self = .push
        default: return nil
        }
    }
}
