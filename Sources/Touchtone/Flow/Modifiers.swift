/// A DSL value changed by modifiers (`.attempts(3, then: .voicemail)`), each returning a
/// changed copy, so a flow reads as one expression.
protocol Modifiable {}

extension Modifiable {
    /// A copy of this value with `change` applied.
    func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}
