/// The name of a command for error messages: the first argument, upper-cased, only when it looks like a command
/// name, so a mistaken call that puts a value first cannot leak it.
struct RedisCommandName {
    let text: String

    init?(arguments: [RedisArgument]) {
        guard let first = arguments.first else { return nil }
        let bytes = first.bytes
        let allowed = bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "|")
        }
        guard !bytes.isEmpty, bytes.count <= 32, allowed else { return nil }
        text = String(decoding: bytes, as: UTF8.self).uppercased()
    }
}
