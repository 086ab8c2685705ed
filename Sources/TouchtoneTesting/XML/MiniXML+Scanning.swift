extension MiniXML {
    // MARK: - Small pieces

    /// An XML `Name` at `index`, advancing past it; nil (not advancing) when none starts there.
    mutating func name() -> String? {
        guard let end = nameEnd(from: index) else { return nil }
        defer { index = end }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    func peekName(at position: Int) -> String? {
        nameEnd(from: position).map { String(decoding: bytes[position..<$0], as: UTF8.self) }
    }

    func nameEnd(from start: Int) -> Int? {
        var position = start
        while let (scalar, length) = scalar(at: position) {
            let allowed = position == start ? MiniXML.isNameStart(scalar) : MiniXML.isNameCharacter(scalar)
            guard allowed else { break }
            position += length
        }
        return position > start ? position : nil
    }

    /// The scalar whose UTF-8 starts at `position`, and its length in bytes.
    func scalar(at position: Int) -> (Unicode.Scalar, Int)? {
        guard position < bytes.count else { return nil }
        let lead = bytes[position]
        let length: Int
        var value: UInt32
        switch lead {
        case 0x00..<0x80: return (Unicode.Scalar(lead), 1)
        case 0xC0..<0xE0: (length, value) = (2, UInt32(lead & 0x1F))
        case 0xE0..<0xF0: (length, value) = (3, UInt32(lead & 0x0F))
        case 0xF0..<0xF8: (length, value) = (4, UInt32(lead & 0x07))
        default: return nil
        }
        guard position + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let byte = bytes[position + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return Unicode.Scalar(value).map { ($0, length) }
    }

    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, MiniXML.isWhitespace(bytes[index]) { index += 1 }
        return index > start
    }

    func starts(with prefix: String) -> Bool { starts(with: prefix.utf8) }

    func starts(with prefix: some Sequence<UInt8>) -> Bool {
        var position = index
        for byte in prefix {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
        }
        return true
    }

    /// `<?xml` followed by white space or `?`: the declaration, not a `<?xml-...` instruction.
    func isDeclarationStart() -> Bool {
        guard starts(with: "<?xml"), index + 5 < bytes.count else { return false }
        return MiniXML.isWhitespace(bytes[index + 5]) || bytes[index + 5] == UInt8(ascii: "?")
    }

    func digitValue(_ byte: UInt8, radix: UInt32) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    func error(_ message: String) -> SyntaxError { error(at: index, message) }

    /// An error at the byte `position`, with a 1-based line and a column counted in characters (scalars).
    func error(at position: Int, _ message: String) -> SyntaxError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(position, bytes.count)] {
            if byte == ASCII.newline {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SyntaxError(line: line, column: column, message: message)
    }

    func shown(_ name: String) -> String { MiniXML.shown(name) }

    // MARK: - Character classes (XML 1.0, fifth edition)

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == ASCII.space || byte == ASCII.tab || byte == ASCII.newline || byte == ASCII.carriageReturn
    }

    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3A, 0x41...0x5A, 0x5F, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D,
            0x37F...0x1FFF, 0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF,
            0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            true
        default: false
        }
    }

    static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
        default: isNameStart(scalar)
        }
    }

    /// A name as it appears in a message, cut short so a hostile document cannot make the message huge.
    static func shown(_ name: String) -> String {
        name.unicodeScalars.count <= 40 ? name : String(String.UnicodeScalarView(name.unicodeScalars.prefix(40))) + "…"
    }
}
