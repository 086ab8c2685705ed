// libFuzzer target: the XML reader of the testing kit (Sources/TouchtoneTesting/XML/:
// MiniXML and the grammar check of SipgateXML.parse). Built as one module with the XML
// folder and the Touchtone Response folder by .ci/fuzz (its `import Touchtone` dropped);
// run `.ci/fuzz xml`.
//
// Checked: no crash; an answer that is read renders to XML that reads back as the same
// Response and renders the same again; a refused answer lists 1...maxProblems+1 problems,
// each one line.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    switch SipgateXML.parse(text) {
    case .success(let response):
        let rendered = response.xml
        switch SipgateXML.parse(rendered) {
        case .success(let again):
            if again != response { fatalError("\(rendered.debugDescription) reads back as \(again), not \(response)") }
            if again.xml != rendered { fatalError("rendering is not stable: \(rendered.debugDescription)") }
        case .failure(let error):
            fatalError("Touchtone's own rendering \(rendered.debugDescription) is refused: \(error)")
        }
    case .failure(let error):
        if error.problems.isEmpty || error.problems.count > SipgateXML.maxProblems + 1 {
            fatalError("\(error.problems.count) problems listed")
        }
        for problem in error.problems where problem.contains("\n") || problem.contains("\r") || problem.isEmpty {
            fatalError("a problem that is not one line: \(problem.debugDescription)")
        }
    }
    return 0
}
