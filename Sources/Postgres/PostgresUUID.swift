import Foundation

/// uuid in text form, `8-4-4-4-12` hex digits as PostgreSQL writes them. Foundation's `UUID(uuidString:)` runs
/// `sscanf` once per byte pair: a list page reads a few hundred ids, and that was 5-9% of `herald web`'s time.
enum PostgresUUID {
    static func parse(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { s -> UUID? in
            guard s.count == 36, s[8] == 0x2D, s[13] == 0x2D, s[18] == 0x2D, s[23] == 0x2D else { return nil }
            var bytes = [UInt8](repeating: 0, count: 16)
            var i = 0
            for index in 0..<16 {
                if i == 8 || i == 13 || i == 18 || i == 23 { i += 1 }
                guard let high = nibble(s[i]), let low = nibble(s[i + 1]) else { return nil }
                bytes[index] = high << 4 | low
                i += 2
            }
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
    }

    static func format(_ id: UUID) -> String {
        let hex = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: id.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 { out[o] = 0x2D; o += 1 }
                    out[o] = hex[Int(byte >> 4)]; out[o + 1] = hex[Int(byte & 0xF)]
                    o += 2
                }
                return o
            }
        }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
