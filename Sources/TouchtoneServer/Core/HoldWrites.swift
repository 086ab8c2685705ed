import Touchtone

/// The holds whose write to the shared store one loop has started and not seen done: a
/// held look-up's ending is kept only once its hold is written, never before (a keep that
/// read the call before the hold landed would find it still waiting and drop the ending).
///
/// ```swift
/// writes.started(id)                                     // the hold's write goes out
/// if let ending = writes.ended(id, ending) { keep(ending) }    // nil: kept once written
/// if let ending = writes.written(id) { keep(ending) }
/// ```
struct HoldWrites {
    private var out: [ObjectIdentifier: LookupEnding?] = [:]

    /// The hold of look-up `id` is being written.
    mutating func started(_ id: ObjectIdentifier) {
        out[id] = .some(nil)
    }

    /// The look-up `id` of a held call ended: the ending to keep now, or nil when its hold
    /// is still being written (it comes out of ``written(_:)``).
    mutating func ended(_ id: ObjectIdentifier, _ ending: LookupEnding) -> LookupEnding? {
        guard out[id] != nil else { return ending }
        out[id] = .some(ending)
        return nil
    }

    /// The hold of look-up `id` is written (or could not be): the ending that came
    /// meanwhile, to keep now.
    mutating func written(_ id: ObjectIdentifier) -> LookupEnding? {
        guard case .some(.some(let ending)) = out.removeValue(forKey: id) else { return nil }
        return ending
    }

    /// Holds being written now.
    var count: Int { out.count }
}
