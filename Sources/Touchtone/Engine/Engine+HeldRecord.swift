import FoundationEssentials

// A held look-up in a session's binary record (`Engine+SessionRecord.swift`, extras bit 6):
//
//   deadline (ms since 2020, zigzag) | turn | rounds | ending (0: none; 1, outcome; 2, failure)
//   | variables (count, then name and value of each)

extension Engine {
    static func appendHeld(_ held: HeldLookup, to out: inout [UInt8]) {
        let deadline = (held.deadline.timeIntervalSince1970 - sessionRecordEpoch) * 1000
        out.appendVarint(UInt64(bitPattern: Int64(deadline.isFinite ? deadline.rounded() : 0)).zigzag)
        out.appendVarint(UInt64(held.turn))
        out.append(held.rounds)
        if let outcome = held.outcome {
            out.append(1)
            out.appendCompactText(outcome)
        } else if let failure = held.failure {
            out.append(2)
            out.appendCompactText(failure)
        } else {
            out.append(0)
        }
        let entries = held.variables.entries
        out.appendVarint(UInt64(entries.count))
        for entry in entries {
            out.appendCompactText(entry.name)
            out.appendCompactText(entry.value)
        }
    }

    static func readHeld(_ reader: inout CompactReader) -> HeldLookup? {
        guard let deadline = reader.varint().map({ Double(Int64(bitPattern: $0.unzigzag)) / 1000 + sessionRecordEpoch }),
            let turn = reader.integer(UInt32.self), let rounds = reader.byte(), let tag = reader.byte()
        else { return nil }
        var held = HeldLookup(deadline: Date(timeIntervalSince1970: deadline), turn: turn)
        held.rounds = rounds
        switch tag {
        case 0: break
        case 1: held.outcome = reader.text()
        case 2: held.failure = reader.text()
        default: return nil
        }
        if tag != 0, held.outcome == nil, held.failure == nil { return nil }
        guard let count = reader.integer(Int.self), count <= 1024 else { return nil }
        for _ in 0..<count {
            guard let name = reader.text(), let value = reader.text(), held.variables[name] == nil else { return nil }
            held.variables.set(name, to: value)
        }
        return held
    }
}
