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

    /// The document, and where the reader is in it.
    let bytes: [UInt8]
    var index = 0

    /// Keeps the UTF-8 bytes with line ends normalised as XML requires (`\r\n` and `\r` become `\n`).
    private init(_ text: String) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        var afterCarriageReturn = false
        for byte in text.utf8 {
            if byte == ASCII.carriageReturn {
                bytes.append(ASCII.newline)
                afterCarriageReturn = true
                continue
            }
            if !(afterCarriageReturn && byte == ASCII.newline) { bytes.append(byte) }
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
            if byte < 0x20 && byte != ASCII.tab && byte != ASCII.newline {
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
            guard bytes[index] == ASCII.lessThan, !starts(with: "<![CDATA[") else { throw error("text outside the root element") }
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
        guard index < bytes.count, bytes[index] == ASCII.equals else { throw error("expected '=' after \(name)") }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == ASCII.quote || bytes[index] == ASCII.apostrophe else {
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
            if bytes[index] == ASCII.greaterThan {
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
            guard bytes[index] == ASCII.lessThan else {
                try readText(into: &text)
                continue
            }
            if starts(with: "</") {
                let endStart = index
                index += 2
                guard let endName = self.name() else { throw error("expected an element name after '</'") }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == ASCII.greaterThan else {
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
        guard index < bytes.count, bytes[index] == ASCII.equals else {
            throw error("expected '=' after the attribute \(shown(attribute))")
        }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == ASCII.quote || bytes[index] == ASCII.apostrophe else {
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
            case ASCII.lessThan:
                throw error("'<' is not allowed in the value of the attribute \(shown(attribute))")
            case ASCII.ampersand:
                value.append(contentsOf: try reference())
            case ASCII.tab, ASCII.newline:
                value.append(ASCII.space)
                index += 1
            default:
                value.append(byte)
                index += 1
            }
        }
    }

    /// Appends the character data up to the next `<` to `text`, references decoded.
    private mutating func readText(into text: inout [UInt8]) throws(SyntaxError) {
        while index < bytes.count, bytes[index] != ASCII.lessThan {
            let byte = bytes[index]
            if byte == ASCII.ampersand {
                text.append(contentsOf: try reference())
            } else {
                if byte == ASCII.closingBracket && starts(with: "]]>") { throw error("']]>' is not allowed in text") }
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
            if bytes[index] == ASCII.closingBracket && bytes[index + 1] == ASCII.closingBracket && bytes[index + 2] == ASCII.greaterThan {
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
            if bytes[index] == ASCII.hyphen && bytes[index + 1] == ASCII.hyphen {
                guard index + 2 < bytes.count, bytes[index + 2] == ASCII.greaterThan else {
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
        if index < bytes.count, bytes[index] == ASCII.hash {
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
            guard digitCount > 0, index < bytes.count, bytes[index] == ASCII.semicolon else {
                throw error(at: start, "malformed character reference (expected &#digits; or &#xhex;)")
            }
            index += 1
            guard let scalar = Unicode.Scalar(value), MiniXML.isXMLCharacter(scalar) else {
                let written = String(decoding: bytes[start..<index], as: UTF8.self)
                throw error(at: start, "\(shown(written)) is not an XML character")
            }
            return Array(String(scalar).utf8)
        }
        guard let name = self.name(), index < bytes.count, bytes[index] == ASCII.semicolon else {
            throw error(at: start, "'&' must start an entity or character reference (write &amp; for '&')")
        }
        index += 1
        switch name {
        case "lt": return [ASCII.lessThan]
        case "gt": return [ASCII.greaterThan]
        case "amp": return [ASCII.ampersand]
        case "quot": return [ASCII.quote]
        case "apos": return [ASCII.apostrophe]
        default: throw error(at: start, "unknown entity &\(shown(name));")
        }
    }
}
