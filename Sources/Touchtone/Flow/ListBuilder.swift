/// What the DSL's list builders share (a flow's states, a menu's keys, a collection's
/// handlers, routes, opening hours): entries in order, `if`, `if`/`else` and `for`. Each
/// builder says how its entries become items (`buildExpression`) and whether an empty body
/// compiles (`buildBlock()`).
public protocol ListBuilder {
    associatedtype Item
}

extension ListBuilder {
    public static func buildPartialBlock(first: [Item]) -> [Item] { first }
    public static func buildPartialBlock(accumulated: [Item], next: [Item]) -> [Item] { accumulated + next }
    public static func buildOptional(_ part: [Item]?) -> [Item] { part ?? [] }
    public static func buildEither(first: [Item]) -> [Item] { first }
    public static func buildEither(second: [Item]) -> [Item] { second }
    public static func buildArray(_ parts: [[Item]]) -> [Item] { parts.flatMap { $0 } }
}
