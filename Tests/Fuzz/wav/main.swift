// libFuzzer target: the WAV reader and composed prompt names (Sources/Touchtone/Audio/).
// Built as one module with the Audio folder and Flow/FlowState.swift (for `Prompt`) by
// .ci/fuzz; run `.ci/fuzz wav`.
//
// Every input is read as a WAV file and as a composed file name. Checked: no crash; a WAV
// that is read has its data inside the bytes given, and reads the same from a slice; a
// composed name that is read names 1...32 valid prompts and is rebuilt by `fileName(for:)`;
// a WAV joined from pieces of the input reads back as playable with their total length.

func checkWAV(_ bytes: [UInt8]) {
    let format: WAVFormat
    do {
        format = try WAVFormat(bytes: bytes)
    } catch {
        let again = Result { () throws(WAVError) -> WAVFormat in try WAVFormat(bytes: bytes[...]) }
        if case .success = again { fatalError("a slice reads where the array did not: \(error)") }
        return
    }
    if format.dataOffset < 20 || format.dataBytes < 0 || format.dataOffset + format.dataBytes > bytes.count {
        fatalError("data \(format.dataOffset)+\(format.dataBytes) outside \(bytes.count) bytes")
    }
    _ = format.description
    if !(format.duration >= 0) { fatalError("duration \(format.duration)") }
    let fromSlice = try? WAVFormat(bytes: ([0] + bytes)[1...])
    if fromSlice != format { fatalError("a slice reads differently: \(String(describing: fromSlice)) vs \(format)") }
}

func checkComposedName(_ bytes: [UInt8]) {
    let name = String(decoding: bytes, as: UTF8.self)
    guard let prompts = ComposedPrompt.prompts(inFileName: name) else { return }
    if prompts.isEmpty || prompts.count > ComposedPrompt.maxParts { fatalError("\(prompts.count) prompts read") }
    for prompt in prompts where !AudioFolder.isValidName(prompt.name) { fatalError("invalid prompt name \(prompt.name.debugDescription)") }
    let rebuilt = ComposedPrompt.fileName(for: prompts)
    if rebuilt != name { fatalError("\(name.debugDescription) rebuilt as \(String(describing: rebuilt))") }
}

func checkJoined(_ bytes: [UInt8]) {
    // Pieces of even length cut at the input's own zero bytes, as recordings of 16-bit samples are.
    let pieces = bytes.split(separator: 0, omittingEmptySubsequences: false).prefix(ComposedPrompt.maxParts).map {
        $0.prefix($0.count & ~1)
    }
    let total = pieces.reduce(0) { $0 + $1.count }
    let joined = ComposedPrompt.wav(joining: pieces)
    guard let format = try? WAVFormat(bytes: joined) else { fatalError("a joined WAV does not read") }
    if format.dataBytes != total || format.dataOffset != 44 || format.isPlayableBySipgate != (total > 0) {
        fatalError("joined \(total) bytes, read back \(format)")
    }
    if joined.count != 44 + total { fatalError("joined WAV of \(joined.count) bytes for \(total) bytes of samples") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    checkWAV(bytes)
    checkComposedName(bytes)
    checkJoined(bytes)
    return 0
}
