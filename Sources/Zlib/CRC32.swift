import CZlib

/// The CRC-32 that zip and gzip use, computed by zlib (`crc32_z`) over the bytes as they pass, chunk by chunk.
public struct CRC32: Sendable, Equatable {
    public private(set) var value: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        value = bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: crc32_z(UInt(value), buffer.baseAddress, buffer.count))
        }
    }

    public mutating func update(_ bytes: [UInt8]) { update(bytes[...]) }
}
