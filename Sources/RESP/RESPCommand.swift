public import NIOCore

/// One argument of a command, sent as a RESP bulk string.
public enum RESPArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes(ByteBuffer)
    case integer(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

/// A command as sent to the server: a RESP array of bulk strings.
///
/// Only ``name`` is ever logged or put in an error message: arguments can hold passwords (`AUTH`, `HELLO`)
/// and configuration values.
public struct RESPCommand: Sendable, Hashable {
    /// The command's arguments, the command name (and subcommand) first.
    public var arguments: [RESPArgument]

    /// Creates a command from its name and arguments.
    public init(_ name: String, _ arguments: RESPArgument...) {
        self.arguments = [.string(name)] + arguments
    }

    /// Creates a command from its name and an argument array.
    public init(_ name: String, arguments: [RESPArgument]) {
        self.arguments = [.string(name)] + arguments
    }

    /// The command name for logs and errors, with the subcommand for container commands (`CONFIG GET`).
    public var name: String {
        guard case .string(let first) = arguments.first else { return "?" }
        let command = first.uppercased()
        if Self.containerCommands.contains(command), arguments.count > 1, case .string(let sub) = arguments[1] {
            return "\(command) \(sub.uppercased())"
        }
        return command
    }

    private static let containerCommands: Set<String> = [
        "ACL", "CLIENT", "CLUSTER", "CONFIG", "COMMAND", "DEBUG", "FUNCTION", "LATENCY", "MEMORY", "MODULE",
        "OBJECT", "PUBSUB", "SCRIPT", "SENTINEL", "SLOWLOG", "XGROUP", "XINFO",
    ]

    /// Appends the command in RESP form to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(RESPTypeIdentifier.array.rawValue)
        buffer.writeDecimal(Int64(arguments.count))
        buffer.writeCRLF()
        for argument in arguments {
            switch argument {
            case .string(let text):
                buffer.writeInteger(RESPTypeIdentifier.bulkString.rawValue)
                buffer.writeDecimal(Int64(text.utf8.count))
                buffer.writeCRLF()
                buffer.writeString(text)
            case .bytes(let bytes):
                buffer.writeInteger(RESPTypeIdentifier.bulkString.rawValue)
                buffer.writeDecimal(Int64(bytes.readableBytes))
                buffer.writeCRLF()
                buffer.writeImmutableBuffer(bytes)
            case .integer(let number):
                var digits = ByteBuffer()
                digits.writeDecimal(number)
                buffer.writeInteger(RESPTypeIdentifier.bulkString.rawValue)
                buffer.writeDecimal(Int64(digits.readableBytes))
                buffer.writeCRLF()
                buffer.writeImmutableBuffer(digits)
            }
            buffer.writeCRLF()
        }
    }

    /// An upper estimate of the encoded size, for reserving capacity.
    public var estimatedSize: Int {
        arguments.reduce(16) { total, argument in
            switch argument {
            case .string(let text): total + text.utf8.count + 16
            case .bytes(let bytes): total + bytes.readableBytes + 16
            case .integer: total + 36
            }
        }
    }
}

extension ByteBuffer {
    @inlinable
    mutating func writeCRLF() {
        writeInteger(UInt16(0x0D0A))
    }

    /// Writes `value` in decimal ASCII without allocating a String.
    mutating func writeDecimal(_ value: Int64) {
        if value == 0 {
            writeInteger(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            while magnitude > 0 {
                scratch[23 - count] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            }
            if value < 0 {
                count += 1
                scratch[24 - count] = UInt8(ascii: "-")
            }
            writeBytes(UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }
}
