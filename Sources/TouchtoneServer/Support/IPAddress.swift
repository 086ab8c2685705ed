import CTouchtoneSystem

/// An IPv4 or IPv6 address, kept as 16 bytes (IPv4 as `::ffff:a.b.c.d`).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    init(bytes: [UInt8]) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
        high = h
        low = l
    }

    /// Parses a numeric IPv4 (`192.0.2.1`) or IPv6 (`2001:db8::1`) address.
    public init?(_ text: String) {
        guard text.utf8.count < 64, !text.utf8.contains(0) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        let ok = bytes.withUnsafeMutableBufferPointer { ctt_parse_address(text, $0.baseAddress) }
        guard ok == 0 else { return nil }
        self.init(bytes: bytes)
    }

    var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: high >> (8 * UInt64(i)))) }
        for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: low >> (8 * UInt64(i)))) }
        return out
    }

    /// True for IPv4 addresses.
    public var isIPv4: Bool { high == 0 && (low >> 32) == 0xFFFF }

    /// `192.0.2.1` or `2001:db8::1`.
    public var description: String {
        var text = [CChar](repeating: 0, count: 64)
        let b = bytes
        let n = b.withUnsafeBufferPointer { bp in
            text.withUnsafeMutableBufferPointer { ctt_format_address(bp.baseAddress, $0.baseAddress, 64) }
        }
        guard n > 0 else { return "?" }
        return String(decoding: text.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address or a CIDR block (`203.0.113.0/24`, `2001:db8::/32`), for allow lists and trusted proxies.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range.
    public var base: IPAddress
    /// Prefix length over the 128-bit form (an IPv4 `/24` is stored as 120).
    public var prefixLength: Int
    private let text: String

    /// Parses `ADDRESS` or `ADDRESS/PREFIX`; `nil` when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        var prefix = 128
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].utf8.count <= 3, let p = Int(parts[1]), p >= 0 else { return nil }
            let limit = address.isIPv4 ? 32 : 128
            guard p <= limit else { return nil }
            prefix = address.isIPv4 ? 96 + p : p
        }
        base = address
        prefixLength = prefix
        self.text = text
    }

    /// True when `address` lies in this range.
    public func contains(_ address: IPAddress) -> Bool {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? UInt64.max : ~(UInt64.max >> UInt64(bits)) }
        let hm = mask(prefixLength)
        let lm = mask(prefixLength - 64)
        return (address.high & hm) == (base.high & hm) && (address.low & lm) == (base.low & lm)
    }

    /// The range as it was written.
    public var description: String { text }
}
