/// Which flow answers which call: by called number, by direction, with a default.
///
/// ```swift
/// public let routes = RoutingTable {
///     Route(to: "4921100000", flow: hotline)
///     Route(direction: .outgoing, flow: outgoingGuard)
///     Route.default(hotline)
/// }
/// ```
/// Routes are tried in order; the first that matches a `newCall` wins. A call no route
/// matches gets an empty answer: it rings as if Touchtone were not there.
public struct RoutingTable: Sendable {
    /// The routes, tried in order for each new call.
    public let routes: [Route]
    /// Earlier versions of routed flows, kept for the calls that started on them: no new
    /// call is routed to them (see ``keeping(_:)``).
    public private(set) var kept: [any FlowDefinition] = []

    /// A table of the routes its body lists, in order.
    public init(@RouteBuilder _ routes: () -> [Route]) {
        self.routes = routes()
    }

    /// A table of `routes`, in order.
    public init(routes: [Route]) {
        self.routes = routes
    }

    /// This table, also serving the calls in progress on `flows`: earlier versions of its
    /// flows, during a rolling deploy. A call whose session names a flow version this
    /// instance does not serve continues in the same state of the version it serves if that
    /// state still exists, and otherwise starts that flow again after a prompt saying that
    /// the menu changed (``EngineSettings/menuChangedPrompt``); with the old version kept,
    /// it goes on exactly as it began.
    ///
    /// ```swift
    /// public let routes = RoutingTable {
    ///     Route.default(hotline)            // version 4
    /// }.keeping(hotlineVersion3)            // until the last call that began on it ends
    /// ```
    public func keeping(_ flows: any FlowDefinition...) -> RoutingTable {
        var table = self
        table.kept += flows
        return table
    }

    /// The flows of this table, each once, in order of first appearance.
    public var flows: [any FlowDefinition] {
        var seen = Set<String>()
        return routes.compactMap { seen.insert($0.flow.name).inserted ? $0.flow : nil }
    }
}

/// One entry of a ``RoutingTable``.
public struct Route: Sendable, CustomStringConvertible {
    /// What a call must look like for this route.
    public enum Match: Sendable, Hashable {
        /// The called number (`to`) is one of these (compared without a leading `+`).
        case calledNumber(Set<String>)
        /// The call goes this way (`out` for calls users place).
        case direction(Direction)
        /// Any call.
        case any
    }

    /// Which calls this route takes.
    public let match: Match
    /// The flow that answers those calls.
    public let flow: any FlowDefinition

    /// A route sending calls that fit `match` to `flow`.
    public init(match: Match, flow: any FlowDefinition) {
        self.match = match
        self.flow = flow
    }

    /// Calls to one of `numbers`.
    public init(to numbers: String..., flow: any FlowDefinition) {
        self.init(match: .calledNumber(Set(numbers.map(Route.normalised))), flow: flow)
    }

    /// Calls in one direction.
    public init(direction: Direction, flow: any FlowDefinition) {
        self.init(match: .direction(direction), flow: flow)
    }

    /// Every call no earlier route took.
    public static func `default`(_ flow: any FlowDefinition) -> Route {
        Route(match: .any, flow: flow)
    }

    func matches(_ call: CallData) -> Bool {
        switch match {
        case .any: true
        case .direction(let d): call.direction == d
        case .calledNumber(let numbers): numbers.contains(Route.normalised(call.to))
        }
    }

    static func normalised(_ number: String) -> String {
        number.hasPrefix("+") ? String(number.dropFirst()) : number
    }

    /// The match and the flow's name: `to 4921100000 -> hotline`.
    public var description: String {
        switch match {
        case .any: "default -> \(flow.name)"
        case .direction(let d): "direction \(d.rawValue) -> \(flow.name)"
        case .calledNumber(let numbers): "to \(numbers.sorted().joined(separator: ", ")) -> \(flow.name)"
        }
    }
}

/// Builds a ``RoutingTable`` from ``Route``s.
@resultBuilder
public enum RouteBuilder: ListBuilder {
    /// The routes of the table.
    public typealias Item = Route
    /// Adds a route.
    public static func buildExpression(_ route: Route) -> [Route] { [route] }
    /// An empty table: every call rings as if Touchtone were not there.
    public static func buildBlock() -> [Route] { [] }
}
