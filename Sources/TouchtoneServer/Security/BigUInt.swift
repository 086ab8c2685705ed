/// An unsigned integer of any size, as little-endian 64-bit limbs: just enough arithmetic
/// for RSA signature verification (conversion, comparison, modular exponentiation).
struct BigUInt: Sendable, Hashable, Comparable {
    /// Least significant limb first; never ends in a zero limb, so zero is `[]`.
    private(set) var limbs: [UInt64]

    init(limbs: [UInt64]) {
        var limbs = limbs
        while limbs.last == 0 { limbs.removeLast() }
        self.limbs = limbs
    }

    /// The integer whose big-endian byte representation is `bytes` (leading zeros allowed).
    init(bigEndianBytes bytes: some Collection<UInt8>) {
        var limbs = [UInt64](repeating: 0, count: (bytes.count + 7) / 8)
        for (position, byte) in bytes.reversed().enumerated() {
            limbs[position / 8] |= UInt64(byte) << UInt64((position % 8) * 8)
        }
        self.init(limbs: limbs)
    }

    var isZero: Bool { limbs.isEmpty }
    var isOdd: Bool { (limbs.first ?? 0) & 1 == 1 }

    /// The number of significant bits; 0 for zero.
    var bitWidth: Int {
        guard let top = limbs.last else { return 0 }
        return limbs.count * 64 - top.leadingZeroBitCount
    }

    /// The value as exactly `count` big-endian bytes, or `nil` when it does not fit.
    func bigEndianBytes(count: Int) -> [UInt8]? {
        guard count >= 0, bitWidth <= count * 8 else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        for position in 0..<min(count, limbs.count * 8) {
            bytes[count - 1 - position] = UInt8(truncatingIfNeeded: limbs[position / 8] >> UInt64((position % 8) * 8))
        }
        return bytes
    }

    /// The value if it fits in 64 bits.
    var uint64: UInt64? {
        switch limbs.count {
        case 0: 0
        case 1: limbs[0]
        default: nil
        }
    }

    static func < (lhs: BigUInt, rhs: BigUInt) -> Bool {
        if lhs.limbs.count != rhs.limbs.count { return lhs.limbs.count < rhs.limbs.count }
        for index in lhs.limbs.indices.reversed() where lhs.limbs[index] != rhs.limbs[index] {
            return lhs.limbs[index] < rhs.limbs[index]
        }
        return false
    }
}

/// An odd modulus prepared for Montgomery multiplication (CIOS on 64-bit limbs), so that
/// `base^exponent mod n` needs no division at all.
struct MontgomeryModulus: Sendable {
    let modulus: BigUInt
    /// `modulus.limbs`, the working width k.
    private let n: [UInt64]
    /// `-n^-1 mod 2^64`.
    private let inverse: UInt64
    /// `R^2 mod n` with `R = 2^(64k)`: multiplying by it enters Montgomery form.
    private let rSquared: [UInt64]

    /// `nil` unless `modulus` is odd and greater than 1.
    init?(_ modulus: BigUInt) {
        guard modulus.isOdd, modulus.bitWidth > 1 else { return nil }
        self.modulus = modulus
        let n = modulus.limbs
        self.n = n
        // Newton's iteration for n0^-1 mod 2^64: each step doubles the correct low bits
        // (n0 is its own inverse mod 8, so 3 bits to start; 5 steps reach 96 >= 64).
        let n0 = n[0]
        var x = n0
        for _ in 0..<5 { x = x &* (2 &- n0 &* x) }
        let inverse = 0 &- x
        self.inverse = inverse
        rSquared = MontgomeryModulus.rSquared(n, bitWidth: modulus.bitWidth, inverse: inverse)
    }

    /// `R^2 mod n`, computed as the Montgomery form of `2^(64k)`: `2R mod n` (a few doublings
    /// from `2^bitWidth - n`) raised to the power `64k` by Montgomery squaring.
    private static func rSquared(_ n: [UInt64], bitWidth: Int, inverse: UInt64) -> [UInt64] {
        let k = n.count
        // 2^bitWidth - n, which is below n because n > 2^(bitWidth - 1); modulo 2^(64k)
        // when bitWidth == 64k, where the set bit falls off the end.
        var x = [UInt64](repeating: 0, count: k)
        if bitWidth < 64 * k { x[bitWidth / 64] = 1 << UInt64(bitWidth % 64) }
        subtract(n, from: &x)
        // Double up to 2^(64k + 1) mod n = 2R mod n, the Montgomery form of 2.
        for _ in bitWidth...(64 * k) {
            var carry: UInt64 = 0
            for index in 0..<k {
                let next = x[index] >> 63
                x[index] = x[index] << 1 | carry
                carry = next
            }
            if carry == 1 || !isLess(x, than: n) { subtract(n, from: &x) }
        }
        var result = [UInt64](repeating: 0, count: k)
        var scratch = [UInt64](repeating: 0, count: k + 2)
        n.withUnsafeBufferPointer { n in
            x.withUnsafeBufferPointer { two in
                result.withUnsafeMutableBufferPointer { r in
                    scratch.withUnsafeMutableBufferPointer { t in
                        power(montgomeryBase: two, exponent: UInt64(64 * k), modulus: n, inverse: inverse, scratch: t, into: r)
                    }
                }
            }
        }
        return result
    }

    private static func isLess(_ a: [UInt64], than b: [UInt64]) -> Bool {
        for index in a.indices.reversed() where a[index] != b[index] { return a[index] < b[index] }
        return false
    }

    /// `x -= n` modulo `2^(64k)`.
    private static func subtract(_ n: [UInt64], from x: inout [UInt64]) {
        var borrow = false
        for index in x.indices {
            let (d1, b1) = x[index].subtractingReportingOverflow(n[index])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
            x[index] = d2
            borrow = b1 || b2
        }
    }

    /// `base^exponent mod n`, for `base < n` and `exponent >= 1`; `nil` otherwise.
    ///
    /// The exponent is public in RSA verification, so the time may depend on it.
    func power(_ base: BigUInt, exponent: UInt64) -> BigUInt? {
        guard base < modulus, exponent >= 1 else { return nil }
        let k = n.count
        var baseLimbs = base.limbs
        baseLimbs += repeatElement(0, count: k - baseLimbs.count)
        var one = [UInt64](repeating: 0, count: k)
        one[0] = 1
        var baseMontgomery = [UInt64](repeating: 0, count: k)
        var result = [UInt64](repeating: 0, count: k)
        var scratch = [UInt64](repeating: 0, count: k + 2)
        let inverse = inverse

        n.withUnsafeBufferPointer { n in
            scratch.withUnsafeMutableBufferPointer { t in
                baseMontgomery.withUnsafeMutableBufferPointer { b in
                    result.withUnsafeMutableBufferPointer { r in
                        baseLimbs.withUnsafeBufferPointer { x in
                            rSquared.withUnsafeBufferPointer { r2 in
                                Self.multiply(x, r2, modulus: n, inverse: inverse, scratch: t, into: b)
                            }
                        }
                        Self.power(
                            montgomeryBase: UnsafeBufferPointer(b), exponent: exponent, modulus: n, inverse: inverse, scratch: t, into: r)
                        one.withUnsafeBufferPointer { one in
                            Self.multiply(UnsafeBufferPointer(r), one, modulus: n, inverse: inverse, scratch: t, into: r)
                        }
                    }
                }
            }
        }
        return BigUInt(limbs: result)
    }

    /// `out = base^exponent` in Montgomery form, by left-to-right square and multiply; `exponent >= 1`.
    private static func power(
        montgomeryBase base: UnsafeBufferPointer<UInt64>, exponent: UInt64, modulus n: UnsafeBufferPointer<UInt64>,
        inverse: UInt64, scratch t: UnsafeMutableBufferPointer<UInt64>, into r: UnsafeMutableBufferPointer<UInt64>
    ) {
        for index in 0..<n.count { r[index] = base[index] }
        let topBit = 63 - exponent.leadingZeroBitCount
        for bit in stride(from: topBit - 1, through: 0, by: -1) {
            multiply(UnsafeBufferPointer(r), UnsafeBufferPointer(r), modulus: n, inverse: inverse, scratch: t, into: r)
            if (exponent >> UInt64(bit)) & 1 == 1 {
                multiply(UnsafeBufferPointer(r), base, modulus: n, inverse: inverse, scratch: t, into: r)
            }
        }
    }

    /// `out = a * b * R^-1 mod n` (fully reduced) for `a, b < n`; `out` may alias `a` or `b`
    /// because the product is built in `t` first.
    @inline(__always)
    private static func multiply(
        _ a: UnsafeBufferPointer<UInt64>, _ b: UnsafeBufferPointer<UInt64>, modulus n: UnsafeBufferPointer<UInt64>,
        inverse: UInt64, scratch t: UnsafeMutableBufferPointer<UInt64>, into out: UnsafeMutableBufferPointer<UInt64>
    ) {
        let k = n.count
        for index in 0..<(k + 2) { t[index] = 0 }
        // UInt128 keeps every carry in registers: a * b + t + carry < 2^128 always, and
        // the compiler emits mul/add/adc instead of branches on each carry.
        for i in 0..<k {
            // t += a * b[i]
            let bi = UInt128(b[i])
            var carry: UInt64 = 0
            for j in 0..<k {
                let sum = UInt128(a[j]) * bi + UInt128(t[j]) + UInt128(carry)
                t[j] = UInt64(truncatingIfNeeded: sum)
                carry = UInt64(truncatingIfNeeded: sum >> 64)
            }
            var top = UInt128(t[k]) + UInt128(carry)
            t[k] = UInt64(truncatingIfNeeded: top)
            t[k + 1] = UInt64(truncatingIfNeeded: top >> 64)

            // t = (t + m * n) / 2^64, with m chosen so that the low limb becomes zero.
            let m = UInt128(t[0] &* inverse)
            carry = UInt64(truncatingIfNeeded: (m * UInt128(n[0]) + UInt128(t[0])) >> 64)
            for j in 1..<k {
                let sum = m * UInt128(n[j]) + UInt128(t[j]) + UInt128(carry)
                t[j - 1] = UInt64(truncatingIfNeeded: sum)
                carry = UInt64(truncatingIfNeeded: sum >> 64)
            }
            top = UInt128(t[k]) + UInt128(carry)
            t[k - 1] = UInt64(truncatingIfNeeded: top)
            t[k] = t[k + 1] &+ UInt64(truncatingIfNeeded: top >> 64)
        }
        // t < 2n: subtract n once if t >= n.
        var isAtLeastModulus = t[k] != 0
        if !isAtLeastModulus {
            isAtLeastModulus = true  // equal counts as at least
            for index in stride(from: k - 1, through: 0, by: -1) where t[index] != n[index] {
                isAtLeastModulus = t[index] > n[index]
                break
            }
        }
        if isAtLeastModulus {
            var borrow = false
            for index in 0..<k {
                let (d1, b1) = t[index].subtractingReportingOverflow(n[index])
                let (d2, b2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
                out[index] = d2
                borrow = b1 || b2
            }
        } else {
            for index in 0..<k { out[index] = t[index] }
        }
    }
}
