/// What the DSL's list builders share (a flow's states, a menu's keys, a collection's
/// handlers, routes, opening hours): entries in order, `if`, `if`/`else` and `for`. Each
/// builder says how its entries become items (`buildExpression`) and whether an empty body
/// compiles (`buildBlock()`).
public protocol ListBuilder {
    /// What one entry of the body becomes.
    associatedtype Item
}

extension ListBuilder {
    /// Starts with the first entry.
    public static func buildPartialBlock(first: [Item]) -> [Item] { first }
    /// Appends the next entry to the entries so far.
    public static func buildPartialBlock(accumulated: [Item], next: [Item]) -> [Item] { accumulated + next }
    /// An `if` without `else`: its entries when it holds, none otherwise.
    public static func buildOptional(_ part: [Item]?) -> [Item] { part ?? [] }
    /// The entries of the `if` branch of an `if`/`else`.
    public static func buildEither(first: [Item]) -> [Item] { first }
    /// The entries of the `else` branch of an `if`/`else`.
    public static func buildEither(second: [Item]) -> [Item] { second }
    /// The entries of every pass of a `for` loop, in order.
    public static func buildArray(_ parts: [[Item]]) -> [Item] { parts.flatMap { $0 } }
}
