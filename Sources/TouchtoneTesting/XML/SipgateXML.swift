import Touchtone
// PLACEHOLDER until the xml branch lands.
public enum SipgateXML {
    public static func problems(in xml: String) -> [String] { [] }
    public static func parse(_ xml: String) -> Result<Response, SipgateXMLError> { .failure(SipgateXMLError(problems: ["not implemented"])) }
}
public struct SipgateXMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}
