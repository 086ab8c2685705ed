import Touchtone

/// The look-ups one event loop started that have not come back: how many run, which hold
/// their callers, whose hold is being written to the shared store, and which a stopping
/// loop gave up.
struct LoopLookups {
    /// Started here; their completion has not come back through the inbox.
    var running = 0
    /// Holds whose write to the shared store is out (a held look-up's ending is kept after it).
    var holdWrites = HoldWrites()
    /// Look-ups holding their callers, still running: given up when a stopping loop's grace ends.
    private var holding: [ObjectIdentifier: PendingLookup] = [:]
    /// Look-ups given up at stop, still counted in ``running`` but no longer waited for.
    private var givenUp = 0
    /// A stopping loop took its one extra second for the writes of held calls.
    var stopExtended = false

    /// Whether a look-up is still waited for.
    var outstanding: Bool { running - givenUp > 0 }

    /// `pending` holds its caller now.
    mutating func holdStarted(_ pending: PendingLookup) {
        holding[ObjectIdentifier(pending)] = pending
    }

    /// The held look-up `pending` ended: false when it was given up at stop (its failure
    /// is kept already, and its ending is not).
    mutating func heldEnded(_ pending: PendingLookup) -> Bool {
        guard holding.removeValue(forKey: ObjectIdentifier(pending)) != nil else {
            givenUp -= 1
            return false
        }
        return true
    }

    /// Gives up the look-ups still holding their callers (the loop stops): no longer waited for.
    mutating func giveUpHolding() -> [PendingLookup] {
        let given = Array(holding.values)
        givenUp += given.count
        holding.removeAll()
        return given
    }
}
