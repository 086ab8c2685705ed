import FoundationEssentials

/// A named time zone such as "Europe/Berlin", computed from its POSIX TZ rule.
///
/// FoundationEssentials cannot resolve named zones on Linux (no ICU), so Touchtone reads the
/// rule itself: from the footer of the system's TZif file (`/usr/share/zoneinfo/NAME`) or,
/// when that is missing, from a built-in table of common zones. A POSIX rule is exact for
/// current and future years; past rule changes (before the zone's current rule) are not
/// modelled. After `init` no file is read and ``offset(at:)`` does not allocate.
///
/// ```swift
/// let berlin = try Zone("Europe/Berlin")
/// berlin.localTime(at: date).hour
/// ```
public struct Zone: Sendable, Hashable, CustomStringConvertible {
    /// Where rules are looked up.
    public enum Source: Sendable, Hashable {
        /// The system zoneinfo directory; the built-in table if the zone's file is missing
        /// or unusable there.
        case automatic
        /// Only the built-in table (same result on every machine).
        case builtIn
        /// Only TZif files under the given directory.
        case zoneinfo(directory: String)
    }

    /// The zone's name, e.g. "Europe/Berlin".
    public let identifier: String
    /// The POSIX TZ rule in force, e.g. "CET-1CEST,M3.5.0,M10.5.0/3".
    public let posixRule: String
    let table: TransitionTable
    var rule: PosixTimeZoneRule { table.rule }

    /// The directory searched by ``Source/automatic``.
    public static let systemZoneinfoDirectory = "/usr/share/zoneinfo"
    /// TZif files are a few KiB; anything above this is refused.
    public static let maximumZoneFileSize = 1 << 20

    /// Coordinated Universal Time.
    public static let utc = Zone(identifier: "UTC", uncheckedRule: "UTC0")

    /// Loads a zone by identifier from the system zoneinfo directory, falling back to the
    /// built-in table. Throws ``ZoneError`` for invalid or unknown identifiers.
    public init(_ identifier: String) throws {
        try self.init(identifier, source: .automatic)
    }

    /// Loads a zone by identifier from the given source.
    public init(_ identifier: String, source: Source) throws {
        try Zone.validate(identifier: identifier)
        switch source {
        case .builtIn:
            guard let rule = Zone.builtInRules[identifier] else {
                throw ZoneError(identifier: identifier, reason: .unknownZone)
            }
            try self.init(identifier: identifier, posixRule: rule)
        case .zoneinfo(let directory):
            let rule = try Zone.readFooterRule(identifier: identifier, directory: directory)
            try self.init(identifier: identifier, posixRule: rule)
        case .automatic:
            do {
                let rule = try Zone.readFooterRule(
                    identifier: identifier, directory: Zone.systemZoneinfoDirectory)
                try self.init(identifier: identifier, posixRule: rule)
            } catch let fileError as ZoneError {
                // Missing or unusable system file: the built-in table is the fallback.
                guard Zone.builtInRules[identifier] != nil else {
                    throw fileError
                }
                try self.init(identifier, source: .builtIn)
            }
        }
    }

    /// A zone from an explicit POSIX TZ rule such as "EST5EDT,M3.2.0,M11.1.0" or
    /// "<+0530>-5:30". Throws ``ZoneError`` with reason `.invalidRule` if malformed.
    public init(identifier: String, posixRule: String) throws {
        do {
            table = TransitionTable(rule: try PosixTimeZoneRule(parsing: posixRule))
        } catch {
            throw ZoneError(identifier: identifier, reason: .invalidRule(error.message))
        }
        self.identifier = identifier
        self.posixRule = posixRule
    }

    private init(identifier: String, uncheckedRule: String) {
        self.identifier = identifier
        self.posixRule = uncheckedRule
        // Only used for built-in constants that are covered by tests.
        self.table = TransitionTable(rule: (try? PosixTimeZoneRule(parsing: uncheckedRule)) ?? .utc)
    }

    /// Seconds east of UTC in effect at `date` (e.g. 7200 in Berlin in summer).
    public func offset(at date: Date) -> Int {
        table.lookup(Zone.clampedSeconds(date)).offset
    }

    /// Whether daylight saving time is in effect at `date`.
    public func isDaylightSavingTime(at date: Date) -> Bool {
        table.lookup(Zone.clampedSeconds(date)).isDaylightSaving
    }

    /// The wall-clock time in this zone at `date`.
    public func localTime(at date: Date) -> LocalTime {
        let seconds = Zone.clampedSeconds(date)
        let offset = table.lookup(seconds).offset
        return LocalTime(localSeconds: seconds + offset, utcOffset: offset)
    }

    /// The identifier, e.g. "Europe/Berlin".
    public var description: String { identifier }

    /// The same zone when identifier and POSIX rule are the same.
    public static func == (lhs: Zone, rhs: Zone) -> Bool {
        lhs.identifier == rhs.identifier && lhs.posixRule == rhs.posixRule
    }

    /// Hashes the identifier and rule `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(identifier)
        hasher.combine(posixRule)
    }

    /// Identifiers available without system tzdata.
    public static var builtInIdentifiers: [String] { builtInRules.keys.sorted() }

    // MARK: - Input checks and file reading

    /// Whole seconds since 1970, clamped so that local times stay within years 1...9999.
    static func clampedSeconds(_ date: Date) -> Int {
        let interval = date.timeIntervalSince1970
        // Local offsets are below 25 h, so keep a day's margin on both ends.
        let lowest = -62_135_596_800.0 + 90_000
        let highest = 253_402_300_799.0 - 90_000
        guard interval.isFinite else { return interval > 0 ? Int(highest) : Int(lowest) }
        return Int(min(max(interval, lowest), highest).rounded(.down))
    }

    static func validate(identifier: String) throws {
        let bytes = identifier.utf8
        guard !bytes.isEmpty else { throw ZoneError(identifier: identifier, reason: .invalidIdentifier("it is empty")) }
        guard bytes.count <= 128 else {
            throw ZoneError(identifier: identifier, reason: .invalidIdentifier("longer than 128 characters"))
        }
        for byte in bytes {
            let allowed =
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "/")
            guard allowed else {
                throw ZoneError(
                    identifier: identifier,
                    reason: .invalidIdentifier("only letters, digits, '_', '+', '-' and '/' are allowed"))
            }
        }
        guard bytes.first != UInt8(ascii: "/"), bytes.last != UInt8(ascii: "/") else {
            throw ZoneError(identifier: identifier, reason: .invalidIdentifier("it must not start or end with '/'"))
        }
        for component in identifier.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else {
                throw ZoneError(identifier: identifier, reason: .invalidIdentifier("empty path component"))
            }
        }
        // '.' is not in the allowed set, so ".." cannot occur; checked again for clarity.
        guard !identifier.contains("..") else {
            throw ZoneError(identifier: identifier, reason: .invalidIdentifier("'..' is not allowed"))
        }
    }

    /// Reads the POSIX rule from the footer of a TZif (version 2 or later) file.
    static func readFooterRule(identifier: String, directory: String) throws -> String {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let url = URL(fileURLWithPath: base + identifier).resolvingSymlinksInPath()
        let path = url.path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ZoneError(identifier: identifier, reason: .unknownZone)
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ZoneError(identifier: identifier, reason: .unknownZone)
        }
        let size = fileSize(attributes[.size])
        guard size <= maximumZoneFileSize else {
            throw ZoneError(identifier: identifier, reason: .fileTooLarge(size))
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ZoneError(identifier: identifier, reason: .unreadable)
        }
        // The file could have grown between the size check and the read.
        guard data.count <= maximumZoneFileSize else {
            throw ZoneError(identifier: identifier, reason: .fileTooLarge(data.count))
        }
        return try footerRule(of: data, identifier: identifier)
    }

    private static func fileSize(_ value: Any?) -> Int {
        switch value {
        case let size as Int: size
        case let size as UInt: size > UInt(Int.max) ? Int.max : Int(size)
        case let size as UInt64: size > UInt64(Int.max) ? Int.max : Int(size)
        case let size as Int64: Int(size)
        default: Int.max  // unknown: treat as too large rather than read blindly
        }
    }

    static func footerRule(of data: Data, identifier: String) throws -> String {
        let bytes = [UInt8](data)
        guard bytes.count >= 44, bytes[0] == 0x54, bytes[1] == 0x5A, bytes[2] == 0x69, bytes[3] == 0x66 else {
            throw ZoneError(identifier: identifier, reason: .notTZif)
        }
        guard bytes[4] >= UInt8(ascii: "2") else {
            throw ZoneError(identifier: identifier, reason: .noRuleInFile("TZif version 1 has no footer"))
        }
        guard bytes.last == UInt8(ascii: "\n") else {
            throw ZoneError(identifier: identifier, reason: .noRuleInFile("file does not end with a newline"))
        }
        let end = bytes.count - 1
        // Footers are short; look back a bounded distance for the opening newline.
        let searchStart = max(44, end - 256)
        guard let open = bytes[searchStart..<end].lastIndex(of: UInt8(ascii: "\n")) else {
            throw ZoneError(identifier: identifier, reason: .noRuleInFile("no footer line found"))
        }
        let footer = bytes[(open + 1)..<end]
        guard !footer.isEmpty else {
            throw ZoneError(identifier: identifier, reason: .noRuleInFile("the footer is empty"))
        }
        guard footer.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw ZoneError(identifier: identifier, reason: .noRuleInFile("the footer is not printable ASCII"))
        }
        return String(decoding: footer, as: UTF8.self)
    }
}

/// Why a ``Zone`` could not be created.
public struct ZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Hashable {
        /// The identifier is not a plain zone name (e.g. contains "..", starts with "/").
        case invalidIdentifier(String)
        /// No such zone in the source.
        case unknownZone
        /// The zone file exceeds ``Zone/maximumZoneFileSize``.
        case fileTooLarge(Int)
        /// The zone file exists but could not be read.
        case unreadable
        /// The file is not a TZif file.
        case notTZif
        /// The TZif file carries no POSIX rule footer.
        case noRuleInFile(String)
        /// The POSIX TZ rule is malformed.
        case invalidRule(String)
    }

    /// The identifier as given (shortened if very long).
    public let identifier: String
    /// What went wrong.
    public let reason: Reason

    init(identifier: String, reason: Reason) {
        self.identifier = identifier.count > 80 ? String(identifier.prefix(80)) + "..." : identifier
        self.reason = reason
    }

    /// The identifier and what went wrong, in one line.
    public var description: String {
        let detail: String
        switch reason {
        case .invalidIdentifier(let why): detail = "invalid identifier: \(why)"
        case .unknownZone: detail = "unknown time zone"
        case .fileTooLarge(let size): detail = "zone file is too large (\(size) bytes)"
        case .unreadable: detail = "zone file could not be read"
        case .notTZif: detail = "zone file is not in TZif format"
        case .noRuleInFile(let why): detail = "zone file has no POSIX rule: \(why)"
        case .invalidRule(let why): detail = "invalid POSIX TZ rule: \(why)"
        }
        return "time zone \"\(identifier)\": \(detail)"
    }
}
