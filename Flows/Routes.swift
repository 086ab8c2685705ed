import Touchtone

/// The routing table `touchtone serve` runs: which flow answers which call.
///
/// Calls users place go through the outgoing guard first, whatever number they dial (a
/// user calling the hotline's own number is let through and arrives as a new incoming
/// call). Calls to 4921100000 reach the support hotline, calls to 4921100001 the account
/// line (with the demo accounts of ``InMemoryAccountDirectory/demo``), and every other
/// call gets the hotline as well.
///
/// Version 1 of the hotline is kept for the calls that began on it before version 2 (the
/// A/B split) was deployed, version 2 for those that began before version 3 (German and
/// English) was: they go on exactly as they began. No new call reaches them.
public let routes = RoutingTable {
    Route(direction: .outgoing, flow: outgoingGuard)
    Route(to: "4921100000", flow: hotline)
    Route(to: "4921100001", flow: accountLine(directory: InMemoryAccountDirectory.demo))
    Route.default(hotline)
}
.keeping(hotlineVersion1)  // until the calls begun before the deploy of version 2 have ended
.keeping(hotlineVersion2)  // until the calls begun before the deploy of version 3 have ended
