import Touchtone

/// The routing table `touchtone serve` runs: which flow answers which call.
///
/// Calls users place go through the outgoing guard first, whatever number they dial (a
/// user calling the hotline's own number is let through and arrives as a new incoming
/// call). Calls to 4921100000 reach the support hotline, calls to 4921100001 the account
/// line (with the demo accounts of ``InMemoryAccountDirectory/demo``), and every other
/// call gets the hotline as well.
public let routes = RoutingTable {
    Route(direction: .outgoing, flow: outgoingGuard)
    Route(to: "4921100000", flow: hotline)
    Route(to: "4921100001", flow: accountLine(directory: InMemoryAccountDirectory.demo))
    Route.default(hotline)
}
