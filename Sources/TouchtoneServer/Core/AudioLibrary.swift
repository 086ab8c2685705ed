import Touchtone

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The prompts served under `/audio/`: WAV files of one folder, read once and kept in memory.
///
/// Only plain names of `[A-Za-z0-9._-]` ending in `.wav` are served, alone or in a
/// language's folder (`de/NAME.wav`, the language a valid code: `Language.isValid`), so no request
/// can reach outside the folder. Files are loaded at start (up to ``maxCachedBytes``); a file
/// that appears later is read on first use and cached while the budget lasts.
public final class AudioLibrary: Sendable {
    /// One cached file.
    public struct File: Sendable, Hashable {
        /// The whole file.
        public var bytes: [UInt8]
        /// A strong validator derived from the contents.
        public var etag: String
    }

    /// The folder, or `nil` for a server without prompts.
    public let directory: String?
    /// The most bytes kept in memory over all files.
    public let maxCachedBytes: Int
    /// Files larger than this are not served.
    public let maxFileBytes: Int
    private let cache: Lock<(files: [String: File], bytes: Int)>

    /// A library of the prompts in `directory`, with 64 MiB cached at most and files over 16 MiB refused by default.
    ///
    /// - Parameters:
    ///   - directory: the folder holding the prompts (`Audio`).
    ///   - maxCachedBytes: how many bytes of prompts are kept in memory at most.
    ///   - maxFileBytes: files larger than this are not served.
    ///   - preload: read every servable file now, so that requests never touch the disk.
    public init(directory: String?, maxCachedBytes: Int = 64 << 20, maxFileBytes: Int = 16 << 20, preload: Bool = true) {
        self.directory = directory
        self.maxCachedBytes = maxCachedBytes
        self.maxFileBytes = maxFileBytes
        cache = Lock(([:], 0))
        if preload, directory != nil {
            for name in listNames() { _ = file(named: name) }
        }
    }

    /// The names of the servable files in the folder and its languages' folders (`de/NAME.wav`), sorted.
    public func listNames() -> [String] {
        guard let directory else { return [] }
        let languages = Self.entries(of: directory).filter(Language.isValid)
        let nested = languages.flatMap { code in
            Self.entries(of: directory + "/" + code).filter(Self.isServableName).map { code + "/" + $0 }
        }
        return (Self.entries(of: directory).filter(Self.isServableName) + nested).sorted()
    }

    /// The names in `directory`, unsorted; none when it cannot be read.
    private static func entries(of directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            names.append(name)
        }
        return names
    }

    /// True for a servable name, alone or after a language code and `/` (`de/welcome.wav`).
    public static func isServablePath(_ path: String) -> Bool {
        guard let slash = path.utf8.firstIndex(of: UInt8(ascii: "/")) else { return isServableName(path) }
        return Language.isValid(String(path[..<slash])) && isServableName(String(path[path.index(after: slash)...]))
    }

    /// True for `[A-Za-z0-9._-]+\.wav` names that do not start with a dot.
    public static func isServableName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count > 4, utf8.count <= 128, name.hasSuffix(".wav"), utf8.first != UInt8(ascii: ".") else { return false }
        return utf8.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }

    /// The file called `name` (`NAME.wav` or `de/NAME.wav`), or `nil` when the name is not
    /// servable or no such file exists.
    public func file(named name: String) -> File? {
        guard Self.isServablePath(name), let directory else { return nil }
        if let cached = cache.withLock({ $0.files[name] }) { return cached }
        guard let bytes = readFile(directory + "/" + name) else { return nil }
        let file = File(bytes: bytes, etag: "\"\(Self.fnv1a(bytes))-\(String(bytes.count, radix: 16))\"")
        cache.withLock { state in
            if state.files[name] == nil, state.bytes + bytes.count <= maxCachedBytes {
                state.files[name] = file
                state.bytes += bytes.count
            }
        }
        return file
    }

    private func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= maxFileBytes else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            offset += n
        }
        return bytes
    }

    /// A 64-bit FNV-1a of `bytes` in hex, for ETags.
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash = FNV1a()
        hash.add(bytes)
        return String(hash.value, radix: 16)
    }
}
