import Touchtone

/// Serves composed prompts (`/audio/compose/a,b,c.wav`): the samples of prompts from the
/// audio folder, joined into one WAV, so a read-out plays as one interruptible prompt.
///
/// Only names the folder serves may be joined, at most ``ComposedPrompt/maxParts``; every
/// piece must be sipgate's format (8 kHz mono 16-bit PCM). Results are cached up to a
/// byte budget; past it they are built again on each request (they are small).
final class ComposedAudio: Sendable {
    let library: AudioLibrary
    let maxCachedBytes: Int
    /// The largest composed file built: a request can name any 32 pieces, and the join runs
    /// on an event loop, so its size is bounded (2 MB is over a minute of 8 kHz audio).
    let maxComposedBytes: Int
    private let cache = Lock<(files: [String: AudioLibrary.File], bytes: Int)>(([:], 0))

    init(library: AudioLibrary, maxCachedBytes: Int = 16 << 20, maxComposedBytes: Int = 2 << 20) {
        self.library = library
        self.maxCachedBytes = maxCachedBytes
        self.maxComposedBytes = maxComposedBytes
    }

    /// The composed file for `name` (`a,b,c.wav`), or `nil` when a piece is missing or unusable.
    func file(named name: String, language: String? = nil) -> AudioLibrary.File? {
        let key = language.map { $0 + "/" + name } ?? name
        if let cached = cache.withLock({ $0.files[key] }) { return cached }
        guard let prompts = ComposedPrompt.prompts(inFileName: name), language.map(Language.isValid) ?? true else { return nil }
        let folder = language.map { $0 + "/" } ?? ""
        var samples: [ArraySlice<UInt8>] = []
        var total = 0
        for prompt in prompts {
            guard let piece = library.file(named: folder + prompt.name + ".wav"),
                let format = try? WAVFormat(bytes: piece.bytes), format.isPlayableBySipgate
            else { return nil }
            total += format.dataBytes
            guard total <= maxComposedBytes else { return nil }
            samples.append(piece.bytes[format.dataOffset..<(format.dataOffset + format.dataBytes)])
        }
        let bytes = ComposedPrompt.wav(joining: samples)
        let file = AudioLibrary.File(bytes: bytes, etag: "\"c\(AudioLibrary.fnv1a(bytes))-\(String(bytes.count, radix: 16))\"")
        cache.withLock { state in
            if state.files[key] == nil, state.bytes + bytes.count <= maxCachedBytes {
                state.files[key] = file
                state.bytes += bytes.count
            }
        }
        return file
    }
}
