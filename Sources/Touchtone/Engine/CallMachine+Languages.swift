import FoundationEssentials

/// A flow that speaks several languages: the machine of the call's language takes each
/// step, and a language step hands the rest of the step to the new language's machine.
extension CallMachine {
    /// The machine of the session's language: this one when the call has chosen none, or
    /// one this flow does not speak.
    func speaker(for session: Session) -> CallMachine {
        guard !variants.isEmpty, let code = session.variables[Language.variable] else { return self }
        for variant in variants where variant.code == code { return variant.machine }
        return self
    }

    /// A language step: the call keeps `code` when the flow speaks it (an unknown code, say
    /// from a look-up, is dropped and the call stays in its language), then goes on to `then`
    /// in the machine of its language, which ``settleLanguage(_:now:into:)`` finds.
    func switchLanguage(to code: String, then: Target, _ session: inout Session, into out: inout StepOutput, hops: Int) {
        if spoken.contains(code) {
            session.variables.set(Language.variable, to: code)
        } else {
            out.note = "language \(code.prefix(16)) is not one the flow speaks"
        }
        out.languageSwitch = (then, hops)
    }

    /// Goes on with the target a language step left, in the machine of the call's language now.
    func settleLanguage(_ session: inout Session, now: Date, into out: inout StepOutput) {
        while let pending = out.languageSwitch {
            out.languageSwitch = nil
            speaker(for: session).follow(pending.then, &session, now: now, into: &out, hops: pending.hops)
        }
    }
}
