/// The states of a flow: a `String` enum you write, so a misspelt target does not compile.
///
/// ```swift
/// enum Hotline: String, FlowState {
///     case start, mainMenu, support, goodbye
/// }
/// ```
public protocol FlowState: CaseIterable, Hashable, Sendable, RawRepresentable where RawValue == String, AllCases: Sendable {}

/// A recorded prompt: the name of a WAV file in `Audio/` without `.wav`.
///
/// Write it as a string literal: `"main-menu"` plays `Audio/main-menu.wav`.
public struct Prompt: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The file name in `Audio/`, without `.wav` (`main-menu`).
    public let name: String
    /// The prompt that plays `Audio/NAME.wav`.
    public init(_ name: String) { self.name = name }
    /// The prompt named by a string literal: `"main-menu"`.
    public init(stringLiteral value: String) { self.name = value }
    /// The prompt's name.
    public var description: String { name }
}

/// What a caller hears in one turn: recorded prompts and read-outs, played in order.
///
/// Write one prompt as a string literal, several as an array literal:
/// `"main-menu"`, `["welcome", "main-menu"]`, or with a read-out:
/// `[.file("you-entered"), .digits(of: "customer"), .file("press-1-if-correct")]`.
public struct Prompts: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// One part of a turn.
    public enum Part: Sendable, Hashable, ExpressibleByStringLiteral {
        /// A recorded prompt from `Audio/`.
        case file(Prompt)
        /// The digits of a collected variable, one recording per key (`digit-4`, `digit-1`, ...).
        case digits(of: String)

        /// A recorded prompt named by a string literal.
        public init(stringLiteral value: String) { self = .file(Prompt(value)) }
    }

    /// The prompts and read-outs, in the order they play.
    public var parts: [Part]

    /// A turn that plays `parts` in order.
    public init(_ parts: [Part]) { self.parts = parts }
    /// One recorded prompt, named by a string literal.
    public init(stringLiteral value: String) { parts = [.file(Prompt(value))] }
    /// Several parts, written as an array literal.
    public init(arrayLiteral elements: Part...) { parts = elements }

    /// Whether there is nothing to play (a flow refuses an empty prompt where one is needed).
    public var isEmpty: Bool { parts.isEmpty }

    /// The recorded prompts this turn may play (read-outs name their key recordings).
    public var files: [Prompt] {
        parts.flatMap { part -> [Prompt] in
            switch part {
            case .file(let prompt): [prompt]
            case .digits: DigitReadout.allKeyPrompts
            }
        }
    }

    /// The parts separated by commas, read-outs as `<variable>`.
    public var description: String {
        parts.map { part in
            switch part {
            case .file(let p): p.name
            case .digits(let name): "<\(name)>"
            }
        }.joined(separator: ", ")
    }
}

/// How collected digits are read back: one recording per key.
public enum DigitReadout {
    /// The prompt name for one key: `digit-0` ... `digit-9`, `digit-star`, `digit-hash`.
    public static func prompt(for key: Character) -> Prompt? {
        switch key {
        case "0"..."9": Prompt("digit-\(key)")
        case "*": Prompt("digit-star")
        case "#": Prompt("digit-hash")
        default: nil
        }
    }

    /// Every recording a read-out may use.
    public static let allKeyPrompts: [Prompt] = "0123456789".map { Prompt("digit-\($0)") }
}
