extension StringProtocol {
    /// The text with each Unicode scalar that `replacement` has text for replaced by that
    /// text, the others kept: the one loop of the escapers that write text for people
    /// (diagram labels, values quoted in messages).
    package func replacingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            if let text = replacement(scalar) {
                result += text
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
