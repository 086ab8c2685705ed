import Touchtone

/// The routing table `touchtone serve` runs: which flow answers which call.
///
/// Calls to the hotline number reach the support hotline, calls users place go through
/// the outgoing guard, and every other call gets the hotline as well.
public let routes = RoutingTable {
    Route(to: "4921100000", flow: hotline)
    Route.default(hotline)
}
