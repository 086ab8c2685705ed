import Touchtone

/// Reading an RSA public key from PEM: `BEGIN PUBLIC KEY` (X.509 SubjectPublicKeyInfo)
/// or `BEGIN RSA PUBLIC KEY` (PKCS#1 RSAPublicKey), DER inside.
enum PEM {
    /// The longest PEM text read; a 16384-bit key needs about 3 KB.
    static let maxLength = 16_384

    /// The RSA modulus and exponent encoded in `text`.
    static func rsaPublicKey(_ text: String) throws(RSAKeyError) -> (modulus: BigUInt, exponent: BigUInt) {
        guard text.utf8.count <= maxLength else { throw .invalid("PEM text longer than \(maxLength) bytes") }
        let (label, der) = try armoredBytes(text)
        var reader = DERReader(der)
        switch label {
        case "PUBLIC KEY":
            let key = try reader.subjectPublicKeyInfo()
            guard reader.isAtEnd else { throw .invalid("bytes after the SubjectPublicKeyInfo") }
            return key
        case "RSA PUBLIC KEY":
            let key = try reader.rsaPublicKey()
            guard reader.isAtEnd else { throw .invalid("bytes after the RSAPublicKey") }
            return key
        default:
            throw .invalid("PEM label \"\(label.prefix(40))\" is not PUBLIC KEY or RSA PUBLIC KEY")
        }
    }

    /// The label and the decoded body of the one PEM block in `text`.
    ///
    /// Lines may end in `\n` or `\r\n`; blank lines around the block are ignored, any other
    /// text outside it is refused (it is a key file, not a mail).
    static func armoredBytes(_ text: String) throws(RSAKeyError) -> (label: String, der: [UInt8]) {
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        while lines.last?.isEmpty == true { lines.removeLast() }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        guard let first = lines.first, let last = lines.last, lines.count >= 2 else {
            throw .invalid("no PEM block (-----BEGIN ...----- ... -----END ...-----)")
        }
        let begin = "-----BEGIN "
        let end = "-----END "
        let dashes = "-----"
        guard first.hasPrefix(begin), first.hasSuffix(dashes), first.utf8.count > begin.utf8.count + dashes.utf8.count else {
            throw .invalid("the first line is not -----BEGIN ...-----")
        }
        let label = String(first.dropFirst(begin.count).dropLast(dashes.count))
        guard last == end + label + dashes else { throw .invalid("the last line is not -----END \(label.prefix(40))-----") }
        let body = lines.dropFirst().dropLast()
        guard !body.contains(where: { $0.contains(":") }) else {
            throw .invalid("encrypted or annotated PEM (header lines) is not supported")
        }
        do {
            return (label, try Base64.decode(body.joined(), maxEncodedLength: maxLength))
        } catch {
            throw .invalid("the PEM body is not base64: \(error.description)")
        }
    }
}

/// Why a key could not be read.
public enum RSAKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The PEM text, its DER or the key's numbers are unusable, for the reason given.
    case invalid(String)

    /// "invalid RSA public key: " and the reason.
    public var description: String {
        switch self {
        case .invalid(let reason): "invalid RSA public key: \(reason)"
        }
    }
}

/// A reader for the strict DER subset public keys use: definite minimal lengths, no
/// constructed strings, nothing left over.
struct DERReader {
    private let bytes: [UInt8]
    private var index: Int
    private let end: Int

    init(_ bytes: [UInt8]) { self.init(bytes, from: 0, to: bytes.count) }

    private init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        self.index = start
        self.end = end
    }

    var isAtEnd: Bool { index == end }

    static let sequenceTag: UInt8 = 0x30
    static let integerTag: UInt8 = 0x02
    static let bitStringTag: UInt8 = 0x03
    static let nullTag: UInt8 = 0x05
    static let objectIdentifierTag: UInt8 = 0x06
    /// 1.2.840.113549.1.1.1, rsaEncryption.
    static let rsaEncryption: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]

    /// Reads one element with `tag` and returns a reader over its contents.
    mutating func element(_ tag: UInt8, _ what: String) throws(RSAKeyError) -> DERReader {
        guard index < end else { throw .invalid("\(what) is missing") }
        guard bytes[index] == tag else {
            throw .invalid("\(what): expected tag 0x\(String(tag, radix: 16)), found 0x\(String(bytes[index], radix: 16))")
        }
        index += 1
        guard index < end else { throw .invalid("\(what): no length") }
        let first = bytes[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            // 0x80 is BER's indefinite length; more than 3 length bytes is beyond any key we read.
            guard count >= 1, count <= 3 else { throw .invalid("\(what): unsupported length encoding") }
            guard end - index >= count else { throw .invalid("\(what): truncated length") }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
            // DER: the shortest length form.
            guard length >= 0x80, length >> (8 * (count - 1)) != 0 else { throw .invalid("\(what): length not in shortest form") }
        }
        guard end - index >= length else { throw .invalid("\(what): \(length) bytes announced, \(end - index) present") }
        let contents = DERReader(bytes, from: index, to: index + length)
        index += length
        return contents
    }

    /// The remaining bytes of this reader.
    mutating func rest() -> ArraySlice<UInt8> {
        defer { index = end }
        return bytes[index..<end]
    }

    /// A non-negative INTEGER in minimal encoding.
    mutating func unsignedInteger(_ what: String) throws(RSAKeyError) -> BigUInt {
        var contents = try element(DERReader.integerTag, what)
        let value = contents.rest()
        guard let first = value.first else { throw .invalid("\(what): empty INTEGER") }
        guard first & 0x80 == 0 else { throw .invalid("\(what) is negative") }
        if first == 0, value.count > 1, value[value.startIndex + 1] & 0x80 == 0 {
            throw .invalid("\(what): INTEGER not in shortest form")
        }
        return BigUInt(bigEndianBytes: value)
    }

    /// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (PKCS#1).
    mutating func rsaPublicKey() throws(RSAKeyError) -> (modulus: BigUInt, exponent: BigUInt) {
        var sequence = try element(DERReader.sequenceTag, "RSAPublicKey")
        let modulus = try sequence.unsignedInteger("the modulus")
        let exponent = try sequence.unsignedInteger("the public exponent")
        guard sequence.isAtEnd else { throw .invalid("extra fields in RSAPublicKey") }
        return (modulus, exponent)
    }

    /// `SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }` holding an RSAPublicKey.
    mutating func subjectPublicKeyInfo() throws(RSAKeyError) -> (modulus: BigUInt, exponent: BigUInt) {
        var info = try element(DERReader.sequenceTag, "SubjectPublicKeyInfo")
        var algorithm = try info.element(DERReader.sequenceTag, "AlgorithmIdentifier")
        var oid = try algorithm.element(DERReader.objectIdentifierTag, "the algorithm")
        guard Array(oid.rest()) == DERReader.rsaEncryption else { throw .invalid("the key is not an RSA key (rsaEncryption)") }
        // rsaEncryption's parameters must be NULL; some writers omit them.
        if !algorithm.isAtEnd {
            let parameters = try algorithm.element(DERReader.nullTag, "the algorithm parameters")
            guard parameters.isAtEnd, algorithm.isAtEnd else { throw .invalid("unexpected algorithm parameters") }
        }
        var bitString = try info.element(DERReader.bitStringTag, "the public key")
        guard info.isAtEnd else { throw .invalid("extra fields in SubjectPublicKeyInfo") }
        var keyBytes = bitString.rest()
        guard keyBytes.first == 0 else { throw .invalid("the public key BIT STRING has unused bits") }
        keyBytes = keyBytes.dropFirst()
        var inner = DERReader(Array(keyBytes))
        let key = try inner.rsaPublicKey()
        guard inner.isAtEnd else { throw .invalid("bytes after the RSAPublicKey") }
        return key
    }
}
