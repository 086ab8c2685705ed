import Touchtone

/// The routing table `touchtone serve` runs: which flow answers which call.
public let routes = RoutingTable()
