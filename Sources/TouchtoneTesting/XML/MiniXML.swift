/// A minimal, strict XML 1.0 reader for the subset sipgate answers use.
///
/// It accepts: an optional UTF-8 byte order mark, an optional XML declaration at the very
/// start (version 1.0, encoding UTF-8, standalone yes|no), comments, white space between
/// markup, one root element, elements with `"`- or `'`-quoted attributes, self-closing tags,
/// text, CDATA sections (text to a schema validator, kept apart as `xmllint` treats them apart), the five
/// predefined entities and decimal/hex character references.
///
/// It refuses everything else as a well-formedness error: DOCTYPE (and with it every other
/// entity), processing instructions, unknown entities, unclosed or mismatched tags, duplicate
/// attributes, text or a second element outside the root, characters XML forbids, input over
/// ``maxInputBytes`` and elements nested deeper than ``maxDepth``. The first error ends the
/// reading, as in every XML parser. Namespaces are not interpreted: `xmlns` is an ordinary
/// attribute name here, so the grammar check refuses it like any other unknown attribute.
struct MiniXML {
    /// 1 MiB: far above any real answer, small enough to read at once.
    static let maxInputBytes = 1 << 20
    /// sipgate's deepest element is `Response/Gather/Play/Url` (4); 16 leaves room to report
    /// misplaced elements without letting a hostile document recurse without bound.
    static let maxDepth = 16

    struct Element {
        var name: String
        var attributes: [Attribute]
        var children: [Node]
    }

    struct Attribute {
        var name: String
        var value: String
    }

    enum Node {
        case element(Element)
        /// The text between two elements (comments in between are dropped and the text on
        /// both sides joined), with entities and character references decoded.
        case text(String)
        /// A CDATA section, kept apart: `xmllint` refuses one where only elements may stand,
        /// even when it holds only white space.
        case cdata(String)
    }

    /// Why a document is not well-formed, and where.
    struct SyntaxError: Error, CustomStringConvertible {
        /// 1-based; `nil` for problems of the whole input (its size).
        var line: Int?
        var column: Int?
        var message: String

        var description: String {
            guard let line, let column else { return message }
            return "line \(line), column \(column): \(message)"
        }
    }

    /// The root element of `text`, or the first well-formedness error.
    static func parse(_ text: String) -> Result<Element, SyntaxError> {
        let size = text.utf8.count
        guard size <= maxInputBytes else {
            return .failure(SyntaxError(message: "the answer is \(size) bytes, at most \(maxInputBytes)"))
        }
        var reader = MiniXML(text)
        do throws(SyntaxError) {
            try reader.checkCharacters()
            return .success(try reader.document())
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Reading

    private let bytes: [UInt8]
    private var index = 0

    /// Keeps the UTF-8 bytes with line ends normalised as XML requires (`\r\n` and `\r` become `\n`).
    private init(_ text: String) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        var afterCarriageReturn = false
        for byte in text.utf8 {
            if byte == Byte.carriageReturn {
                bytes.append(Byte.newline)
                afterCarriageReturn = true
                continue
            }
            if !(afterCarriageReturn && byte == Byte.newline) { bytes.append(byte) }
            afterCarriageReturn = false
        }
        self.bytes = bytes
    }

    /// Refuses the first character XML 1.0 does not allow anywhere (C0 controls other than
    /// tab and line feed, U+FFFE, U+FFFF); a Swift string holds no surrogates.
    private func checkCharacters() throws(SyntaxError) {
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte < 0x20 && byte != Byte.tab && byte != Byte.newline {
                throw error(at: position, "character U+\(MiniXML.hex(UInt32(byte))) is not allowed in XML")
            }
            if byte == 0xEF, position + 2 < bytes.count, bytes[position + 1] == 0xBF, bytes[position + 2] >= 0xBE {
                throw error(at: position, "character U+\(MiniXML.hex(0xFFF0 + UInt32(bytes[position + 2] & 0x0F))) is not allowed in XML")
            }
            position += 1
        }
    }

    private mutating func document() throws(SyntaxError) -> Element {
        if starts(with: [0xEF, 0xBB, 0xBF]) { index += 3 }
        if isDeclarationStart() { try declaration() }
        var root: Element?
        while true {
            skipWhitespace()
            guard index < bytes.count else { break }
            if try skipMarkupOutsideText() { continue }
            guard bytes[index] == Byte.lessThan, !starts(with: "<![CDATA[") else { throw error("text outside the root element") }
            if let root {
                if let name = peekName(at: index + 1) {
                    throw error("a second root element \(shown(name)) after \(shown(root.name))")
                }
                throw error("markup after the root element \(shown(root.name))")
            }
            root = try element(depth: 1)
        }
        guard let root else { throw error("no root element") }
        return root
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`, the last two optional.
    private mutating func declaration() throws(SyntaxError) {
        index += 5
        var hadSpace = skipWhitespace()
        guard hadSpace, starts(with: "version") else { throw error("the XML declaration must start with version") }
        index += 7
        let version = try declarationValue(of: "version")
        guard version == "1.0" else { throw error("XML version \(MiniXML.quoted(version)) is not supported, only 1.0") }
        hadSpace = skipWhitespace()
        if hadSpace && starts(with: "encoding") {
            index += 8
            let encoding = try declarationValue(of: "encoding")
            guard encoding.lowercased() == "utf-8" else {
                throw error("encoding \(MiniXML.quoted(encoding)) is not supported, only UTF-8")
            }
            hadSpace = skipWhitespace()
        }
        if hadSpace && starts(with: "standalone") {
            index += 10
            let standalone = try declarationValue(of: "standalone")
            guard standalone == "yes" || standalone == "no" else {
                throw error("standalone \(MiniXML.quoted(standalone)) must be yes or no")
            }
            skipWhitespace()
        }
        guard starts(with: "?>") else { throw error("expected '?>' to end the XML declaration") }
        index += 2
    }

    /// `S? = S? "value"` in the XML declaration, where no references are allowed.
    private mutating func declarationValue(of name: String) throws(SyntaxError) -> String {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Byte.equals else { throw error("expected '=' after \(name)") }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Byte.quote || bytes[index] == Byte.apostrophe else {
            throw error("expected a quoted value for \(name)")
        }
        let quote = bytes[index]
        let start = index + 1
        guard let end = bytes[start...].firstIndex(of: quote) else { throw error("the XML declaration is never closed") }
        index = end + 1
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Skips a comment, or throws for a DOCTYPE, processing instruction or other `<!`/`<?`
    /// markup; false when the next markup is none of these.
    private mutating func skipMarkupOutsideText() throws(SyntaxError) -> Bool {
        if starts(with: "<!--") {
            try skipComment()
            return true
        }
        if isDeclarationStart() { throw error("the XML declaration must be at the very start") }
        if starts(with: "<?") { throw error("processing instructions are not allowed") }
        if starts(with: "<!DOCTYPE") { throw error("DOCTYPE declarations are not allowed") }
        if starts(with: "<![CDATA[") { return false }
        if starts(with: "<!") { throw error("unexpected markup '<!'") }
        return false
    }

    private mutating func element(depth: Int) throws(SyntaxError) -> Element {
        guard depth <= MiniXML.maxDepth else { throw error("elements nested deeper than \(MiniXML.maxDepth)") }
        let start = index
        index += 1
        guard let name = self.name() else { throw error("expected an element name after '<'") }
        var element = Element(name: name, attributes: [], children: [])
        var attributeNames: Set<String> = []
        while true {
            let hadSpace = skipWhitespace()
            guard index < bytes.count else { throw error("end of input inside the tag \(shown(name))") }
            if bytes[index] == Byte.greaterThan {
                index += 1
                break
            }
            if starts(with: "/>") {
                index += 2
                return element
            }
            let attributeStart = index
            guard hadSpace, let attributeName = self.name() else {
                throw error("expected an attribute, '>' or '/>' in the tag \(shown(name))")
            }
            let value = try attributeValue(of: attributeName)
            guard attributeNames.insert(attributeName).inserted else {
                throw error(at: attributeStart, "duplicate attribute \(shown(attributeName)) in \(shown(name))")
            }
            element.attributes.append(Attribute(name: attributeName, value: value))
        }
        // Text is gathered in one buffer until an element, a CDATA section or the end tag:
        // a comment between two runs of text is no boundary to a validator, and joining
        // strings run by run would be quadratic in a document of many comments.
        var text: [UInt8] = []
        func flushText() {
            if !text.isEmpty { element.children.append(.text(String(decoding: text, as: UTF8.self))) }
            text.removeAll(keepingCapacity: true)
        }
        while true {
            guard index < bytes.count else { throw error(at: start, "element \(shown(name)) is never closed") }
            guard bytes[index] == Byte.lessThan else {
                try readText(into: &text)
                continue
            }
            if starts(with: "</") {
                let endStart = index
                index += 2
                guard let endName = self.name() else { throw error("expected an element name after '</'") }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == Byte.greaterThan else {
                    throw error("expected '>' to end the tag </\(shown(endName))>")
                }
                guard endName == name else {
                    throw error(at: endStart, "end tag </\(shown(endName))> does not match <\(shown(name))>")
                }
                index += 1
                flushText()
                return element
            }
            if try skipMarkupOutsideText() { continue }
            flushText()
            if starts(with: "<![CDATA[") {
                element.children.append(.cdata(try cdata()))
                continue
            }
            element.children.append(.element(try self.element(depth: depth + 1)))
        }
    }

    /// `S? = S? "value"` after an attribute name: references decoded, and literal tabs and
    /// line feeds turned into spaces (XML's attribute-value normalisation without a DTD).
    private mutating func attributeValue(of attribute: String) throws(SyntaxError) -> String {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Byte.equals else {
            throw error("expected '=' after the attribute \(shown(attribute))")
        }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == Byte.quote || bytes[index] == Byte.apostrophe else {
            throw error("expected a quoted value for the attribute \(shown(attribute))")
        }
        let quote = bytes[index]
        index += 1
        var value = [UInt8]()
        while true {
            guard index < bytes.count else { throw error("end of input in the value of the attribute \(shown(attribute))") }
            let byte = bytes[index]
            switch byte {
            case quote:
                index += 1
                return String(decoding: value, as: UTF8.self)
            case Byte.lessThan:
                throw error("'<' is not allowed in the value of the attribute \(shown(attribute))")
            case Byte.ampersand:
                value.append(contentsOf: try reference())
            case Byte.tab, Byte.newline:
                value.append(Byte.space)
                index += 1
            default:
                value.append(byte)
                index += 1
            }
        }
    }

    /// Appends the character data up to the next `<` to `text`, references decoded.
    private mutating func readText(into text: inout [UInt8]) throws(SyntaxError) {
        while index < bytes.count, bytes[index] != Byte.lessThan {
            let byte = bytes[index]
            if byte == Byte.ampersand {
                text.append(contentsOf: try reference())
            } else {
                if byte == Byte.closingBracket && starts(with: "]]>") { throw error("']]>' is not allowed in text") }
                text.append(byte)
                index += 1
            }
        }
    }

    private mutating func cdata() throws(SyntaxError) -> String {
        let start = index
        index += 9
        let contentStart = index
        while index + 2 < bytes.count {
            if bytes[index] == Byte.closingBracket && bytes[index + 1] == Byte.closingBracket && bytes[index + 2] == Byte.greaterThan {
                let content = String(decoding: bytes[contentStart..<index], as: UTF8.self)
                index += 3
                return content
            }
            index += 1
        }
        throw error(at: start, "CDATA section is never closed")
    }

    private mutating func skipComment() throws(SyntaxError) {
        let start = index
        index += 4
        while index + 1 < bytes.count {
            if bytes[index] == Byte.hyphen && bytes[index + 1] == Byte.hyphen {
                guard index + 2 < bytes.count, bytes[index + 2] == Byte.greaterThan else {
                    if index + 2 >= bytes.count { break }
                    throw error("'--' is not allowed inside a comment")
                }
                index += 3
                return
            }
            index += 1
        }
        throw error(at: start, "comment is never closed")
    }

    /// `&name;` or `&#digits;` or `&#xhex;` at `index`, as UTF-8.
    private mutating func reference() throws(SyntaxError) -> [UInt8] {
        let start = index
        index += 1
        if index < bytes.count, bytes[index] == Byte.hash {
            index += 1
            let radix: UInt32
            if index < bytes.count, bytes[index] == UInt8(ascii: "x") {
                radix = 16
                index += 1
            } else {
                radix = 10
            }
            var value: UInt32 = 0
            var digitCount = 0
            while index < bytes.count, let digit = digitValue(bytes[index], radix: radix) {
                // Capped just above the largest code point, so huge references cannot overflow.
                value = min(value * radix + digit, 0x110000)
                digitCount += 1
                index += 1
            }
            guard digitCount > 0, index < bytes.count, bytes[index] == Byte.semicolon else {
                throw error(at: start, "malformed character reference (expected &#digits; or &#xhex;)")
            }
            index += 1
            guard let scalar = Unicode.Scalar(value), MiniXML.isXMLCharacter(scalar) else {
                let written = String(decoding: bytes[start..<index], as: UTF8.self)
                throw error(at: start, "\(shown(written)) is not an XML character")
            }
            return Array(String(scalar).utf8)
        }
        guard let name = self.name(), index < bytes.count, bytes[index] == Byte.semicolon else {
            throw error(at: start, "'&' must start an entity or character reference (write &amp; for '&')")
        }
        index += 1
        switch name {
        case "lt": return [Byte.lessThan]
        case "gt": return [Byte.greaterThan]
        case "amp": return [Byte.ampersand]
        case "quot": return [Byte.quote]
        case "apos": return [Byte.apostrophe]
        default: throw error(at: start, "unknown entity &\(shown(name));")
        }
    }

    // MARK: - Small pieces

    /// An XML `Name` at `index`, advancing past it; nil (not advancing) when none starts there.
    private mutating func name() -> String? {
        guard let end = nameEnd(from: index) else { return nil }
        defer { index = end }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    private func peekName(at position: Int) -> String? {
        nameEnd(from: position).map { String(decoding: bytes[position..<$0], as: UTF8.self) }
    }

    private func nameEnd(from start: Int) -> Int? {
        var position = start
        while let (scalar, length) = scalar(at: position) {
            let allowed = position == start ? MiniXML.isNameStart(scalar) : MiniXML.isNameCharacter(scalar)
            guard allowed else { break }
            position += length
        }
        return position > start ? position : nil
    }

    /// The scalar whose UTF-8 starts at `position`, and its length in bytes.
    private func scalar(at position: Int) -> (Unicode.Scalar, Int)? {
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
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, MiniXML.isWhitespace(bytes[index]) { index += 1 }
        return index > start
    }

    private func starts(with prefix: String) -> Bool { starts(with: prefix.utf8) }

    private func starts(with prefix: some Sequence<UInt8>) -> Bool {
        var position = index
        for byte in prefix {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
        }
        return true
    }

    /// `<?xml` followed by white space or `?`: the declaration, not a `<?xml-...` instruction.
    private func isDeclarationStart() -> Bool {
        guard starts(with: "<?xml"), index + 5 < bytes.count else { return false }
        return MiniXML.isWhitespace(bytes[index + 5]) || bytes[index + 5] == UInt8(ascii: "?")
    }

    private func digitValue(_ byte: UInt8, radix: UInt32) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private func error(_ message: String) -> SyntaxError { error(at: index, message) }

    /// An error at the byte `position`, with a 1-based line and a column counted in characters (scalars).
    private func error(at position: Int, _ message: String) -> SyntaxError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(position, bytes.count)] {
            if byte == Byte.newline {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SyntaxError(line: line, column: column, message: message)
    }

    private func shown(_ name: String) -> String { MiniXML.shown(name) }

    // MARK: - Character classes (XML 1.0, fifth edition)

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == Byte.space || byte == Byte.tab || byte == Byte.newline || byte == Byte.carriageReturn
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

extension MiniXML {
    /// The bytes the reader looks for, named.
    enum Byte {
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let ampersand = UInt8(ascii: "&")
    static let lessThan = UInt8(ascii: "<")
    static let greaterThan = UInt8(ascii: ">")
    static let equals = UInt8(ascii: "=")
    static let hash = UInt8(ascii: "#")
    static let semicolon = UInt8(ascii: ";")
    static let hyphen = UInt8(ascii: "-")
    static let closingBracket = UInt8(ascii: "]")
    }

/// `"text"` with control characters and quotes escaped, cut short after `limit` characters:
/// values in problem messages stay readable and bounded whatever the document holds.
static func quoted(_ text: String, limit: Int = 60) -> String {
    var out = "\""
    var count = 0
    for scalar in text.unicodeScalars {
        if count == limit {
            out += "…"
            break
        }
        count += 1
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            let properties = scalar.properties
            if properties.generalCategory == .control || properties.generalCategory == .format
                || (properties.isWhitespace && scalar != " ") {
                out += "\\u{\(hex(scalar.value))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Upper-case hex, at least four digits, as in `U+000B`.
static func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
}
