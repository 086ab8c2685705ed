import FoundationEssentials

/// The format facts of a WAV file that decide whether sipgate can play it.
///
/// sipgate plays only WAV, mono, 16-bit PCM, 8000 Hz; anything else is heard as silence.
public struct WAVFormat: Sendable, Hashable, CustomStringConvertible {
    /// The `fmt ` chunk's format code: 1 is PCM, the only one sipgate plays.
    public var audioFormat: UInt16
    /// Number of channels; sipgate needs 1 (mono).
    public var channels: UInt16
    /// Samples per second, in Hz; sipgate needs 8000.
    public var sampleRate: UInt32
    /// Bits per sample; sipgate needs 16.
    public var bitsPerSample: UInt16
    /// Bytes of sample data.
    public var dataBytes: Int
    /// Where the sample data starts in the file.
    public var dataOffset: Int

    /// True when sipgate can play it: PCM, mono, 16-bit, 8 kHz, and some audio.
    public var isPlayableBySipgate: Bool {
        audioFormat == 1 && channels == 1 && sampleRate == 8000 && bitsPerSample == 16 && dataBytes > 0
    }

    /// Seconds of audio.
    public var duration: Double {
        let bytesPerSecond = Double(sampleRate) * Double(channels) * Double(bitsPerSample / 8)
        return bytesPerSecond > 0 ? Double(dataBytes) / bytesPerSecond : 0
    }

    /// One line, e.g. "PCM, mono, 16-bit, 8000 Hz, 16000 bytes of audio".
    public var description: String {
        let kind = audioFormat == 1 ? "PCM" : "format \(audioFormat)"
        return
            "\(kind), \(channels == 1 ? "mono" : "\(channels) channels"), \(bitsPerSample)-bit, \(sampleRate) Hz, \(dataBytes) bytes of audio"
    }

    /// Reads the `fmt ` and `data` chunks of a RIFF/WAVE file; throws with a reason otherwise.
    /// Reads only the bytes given and never trusts a chunk size past them.
    public init(bytes: some Collection<UInt8>) throws(WAVError) {
        let b = Array(bytes)
        func u16(_ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
        func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
        guard b.count >= 12, b[0..<4].elementsEqual("RIFF".utf8), b[8..<12].elementsEqual("WAVE".utf8) else {
            throw .notWAV("not a RIFF/WAVE file")
        }
        var format: (UInt16, UInt16, UInt32, UInt16)?
        var data: Int?
        var offset = 0
        var i = 12
        while i + 8 <= b.count, format == nil || data == nil {
            let size = Int(u32(i + 4))
            let id = b[i..<i + 4]
            if id.elementsEqual("fmt ".utf8) {
                guard size >= 16, i + 8 + 16 <= b.count else { throw .notWAV("fmt chunk is truncated") }
                format = (u16(i + 8), u16(i + 10), u32(i + 12), u16(i + 22))
            } else if id.elementsEqual("data".utf8) {
                data = min(size, b.count - (i + 8))
                offset = i + 8
            }
            let next = i + 8 + size + (size & 1)
            guard next > i else { break }
            i = next
        }
        guard let format else { throw .notWAV("no fmt chunk") }
        guard let data else { throw .notWAV("no data chunk") }
        audioFormat = format.0
        channels = format.1
        sampleRate = format.2
        bitsPerSample = format.3
        dataBytes = data
        dataOffset = offset
    }
}

/// Why a file is not a usable WAV.
public enum WAVError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not a WAV file sipgate could read; the text says why, e.g. "no data chunk".
    case notWAV(String)
    /// The reason, e.g. "not a RIFF/WAVE file".
    public var description: String {
        switch self {
        case .notWAV(let reason): reason
        }
    }
}

/// Where the compiler checks that prompts exist and play on sipgate.
public protocol PromptCatalog: Sendable {
    /// `nil` when the prompt is there and playable, else the problem.
    func problem(with prompt: Prompt) -> String?
    /// Whether the prompt is there at all, playable or not (a recording that is optional
    /// is left out when missing, but an unplayable one is a problem).
    func isRecorded(_ prompt: Prompt) -> Bool
    /// The prompts of one language (`Audio/<code>/`).
    func inLanguage(_ code: String) -> any PromptCatalog
}

extension PromptCatalog {
    /// The prompts of one language: by default, the same prompts.
    public func inLanguage(_ code: String) -> any PromptCatalog { self }

    /// Whether the prompt is there: by default, whether it is there and playable.
    public func isRecorded(_ prompt: Prompt) -> Bool { problem(with: prompt) == nil }
}

/// The prompts of a folder such as `Audio/`: `NAME.wav` for prompt `NAME`.
public struct AudioFolder: PromptCatalog {
    /// The folder in which prompt `NAME` is the file `NAME.wav`.
    public let path: String
    /// Files larger than this are refused (a phone prompt is seconds long).
    public static let maxFileBytes = 16 * 1024 * 1024

    /// The prompts in the folder at `path`; a relative path starts at the working directory.
    public init(path: String) { self.path = path }

    /// The prompts of language `code`: the folder's subfolder `code`.
    public func inLanguage(_ code: String) -> any PromptCatalog { AudioFolder(path: path + "/" + code) }

    /// Whether `NAME.wav` is in the folder, playable or not.
    public func isRecorded(_ prompt: Prompt) -> Bool {
        AudioFolder.isValidName(prompt.name) && FileManager.default.fileExists(atPath: path + "/" + prompt.name + ".wav")
    }

    /// `nil` when `NAME.wav` is in the folder, at most ``maxFileBytes`` long and playable by sipgate; else what is wrong.
    public func problem(with prompt: Prompt) -> String? {
        guard AudioFolder.isValidName(prompt.name) else {
            return "prompt name \"\(prompt.name)\" may only use letters, digits, '.', '_' and '-'"
        }
        let file = path + "/" + prompt.name + ".wav"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else {
            return "prompt \(prompt.name): \(file) is missing"
        }
        // FileManager reports the size as Int on some platforms and UInt on others.
        let size = (attributes[.size] as? Int) ?? (attributes[.size] as? UInt).flatMap { Int(exactly: $0) }
        if let size, size > AudioFolder.maxFileBytes {
            return "prompt \(prompt.name): \(file) is larger than \(AudioFolder.maxFileBytes) bytes"
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            return "prompt \(prompt.name): \(file) cannot be read"
        }
        do {
            let format = try WAVFormat(bytes: data)
            guard format.isPlayableBySipgate else {
                return "prompt \(prompt.name): \(file) is \(format), sipgate plays only PCM mono 16-bit 8000 Hz"
            }
            return nil
        } catch {
            return "prompt \(prompt.name): \(file) is not a WAV file (\(error))"
        }
    }

    /// Prompt names are file names: no paths, no surprises in URLs.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        }
    }
}
