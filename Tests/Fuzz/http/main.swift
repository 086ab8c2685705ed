// libFuzzer target: the HTTP/1.1 request parser (Sources/TouchtoneServer/HTTP/).
// Built as one module with the HTTP folder by .ci/fuzz; run `.ci/fuzz http`.
//
// Every input is parsed whole and split in two at a position taken from the input, with
// the default limits and with tight ones derived from the input. Checked: no crash, the
// same requests and the same final outcome whatever the split, every request within the
// limits, and a failed parser stays failed.

/// Everything one parse produced, `.sendContinue` left out (it depends on the split).
struct Outcome: Equatable {
    var requests: [HTTPRequest] = []
    var failure: HTTPParseError?
    var partial = false
}

func parse(_ bytes: [UInt8], cuts: [Int], limits: HTTPParserLimits) -> Outcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = Outcome()
    var start = 0
    for end in cuts + [bytes.count] where end >= start {
        parser.append(contentsOf: bytes[start..<end])
        start = end
        drain: while true {
            switch parser.next() {
            case .request(let request):
                check(request, within: limits)
                outcome.requests.append(request)
                // A request consumes at least its request line ("A / HTTP/1.0\n\n" is 15 bytes).
                if outcome.requests.count > bytes.count / 15 + 1 { fatalError("more requests than the input can hold") }
            case .sendContinue:
                continue
            case .needMoreData:
                break drain
            case .failure(let error):
                // After a failure the parser stays failed.
                guard case .failure(let again) = parser.next(), again == error else { fatalError("a failed parser recovered") }
                outcome.failure = error
                return outcome
            }
        }
    }
    if parser.bufferedByteCount > bytes.count { fatalError("buffered more than was appended") }
    outcome.partial = parser.hasPartialRequest
    return outcome
}

func check(_ request: HTTPRequest, within limits: HTTPParserLimits) {
    if request.body.count > limits.maxBodyBytes { fatalError("body of \(request.body.count) bytes over the limit \(limits.maxBodyBytes)") }
    if request.headers.count > limits.maxHeaderCount {
        fatalError("\(request.headers.count) header fields over the limit \(limits.maxHeaderCount)")
    }
    // Method and target are ASCII, so their UTF-8 length is their length on the wire.
    if request.method.utf8.count + request.target.utf8.count > limits.maxHeaderBytes { fatalError("request line over the head limit") }
    if request.method.isEmpty || !request.target.hasPrefix("/") && request.target != "*" { fatalError("bad method or target accepted") }
    if request.minorVersion != 0 && request.minorVersion != 1 { fatalError("version 1.\(request.minorVersion) accepted") }
}

/// A cheap hash of the input, so that the split point and the tight limits follow the input.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let hash = fnv1a(bytes)
    let cut = bytes.isEmpty ? 0 : Int(hash % UInt64(bytes.count + 1))
    let tight = HTTPParserLimits(
        maxHeaderBytes: 16 + Int(hash >> 8 & 0x1FF), maxHeaderCount: Int(hash >> 20 & 7), maxBodyBytes: Int(hash >> 24 & 0xFF))
    for limits in [HTTPParserLimits(), tight] {
        let whole = parse(bytes, cuts: [], limits: limits)
        let split = parse(bytes, cuts: [cut], limits: limits)
        if whole != split { fatalError("cut at \(cut) changes the outcome: \(whole) vs \(split)") }
    }
    return 0
}
