import Touchtone

extension RoutingTable {
    /// The flow named by the first of `arguments`; the error lists the flows there are.
    func flow(namedIn arguments: [String]) throws(UsageError) -> any FlowDefinition {
        guard let name = arguments.first else { throw UsageError("which flow? (flows: \(flowNames))") }
        guard let flow = flows.first(where: { $0.name == name }) else {
            throw UsageError("no flow named \(UsageError.quoted(name)) (flows: \(flowNames))")
        }
        return flow
    }

    /// The names of the flows, for messages and `--help`.
    var flowNames: String {
        let names = flows.map(\.name)
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }
}

/// The address compiled into answers when no server runs (commands that only look at flows).
let placeholderURL: AbsoluteURL = {
    do { return try AbsoluteURL("http://127.0.0.1:3000") } catch { fatalError("a constant URL is valid: \(error)") }
}()

/// The argument of `graph` and `call`.
let flowArgument = CommandArgument("<flow>", help: "the name of a flow of the routing table (FLOWS below)")

/// The paragraph after the options of `graph --help` and `call --help`.
func flowsFooter(_ routes: RoutingTable) -> String { "FLOWS: \(routes.flowNames)" }
