/// Compares two secrets (a password, a PIN) in time that depends only on their lengths,
/// not on where they differ, so that timing tells an attacker nothing about the secret.
///
/// ```swift
/// guard constantTimeEquals(storedPIN, enteredPIN) else { return .init(.wrongPIN) }
/// ```
public func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    constantTimeEquals(a.utf8, b.utf8)
}

/// The bytes of two secrets compared in time that depends only on their lengths.
package func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    let x = Array(a)
    let y = Array(b)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return difference == 0
}
