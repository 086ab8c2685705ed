import FoundationEssentials

// A session in the compact binary form kept in Redis: a few dozen bytes for a call in a
// menu (the key holds the callId, so the value does not). The flow is named by its FlowID,
// the state by its name, so that an instance running another version of the flow can still
// adopt the call; the last answer is the number of a prepared answer of the session's flow
// version when it is one, the answer itself otherwise.
//
//   format 1 | flags | flow id (4, little-endian) | version | state name | turn
//   | answer (0: none; 1, number: prepared; 2, length, bytes: built)
//   | started (ms since 2020) | from | to | users | extras mask | the extras it names
//
// Flags: bit 0 answered, bit 1 outgoing, bits 2-4 the phase. Extras: bit 0 no-input count,
// 1 wrong-key count, 2 silence streak, 3 trail (state names), 4 variables, 5 diversion,
// 6 a held look-up (deadline in ms since 2020, rounds, outcome or failure, its variables).
// The last activity is not kept: Redis expires the key instead.

extension Engine {
    static let sessionRecordFormat: UInt8 = 1
    /// 2020-01-01 00:00:00 UTC: start times are kept as milliseconds after it.
    static let sessionRecordEpoch: Double = 1_577_836_800

    /// The session in its binary form for a shared store.
    package func encodeRecord(_ session: Session) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        out.append(Self.sessionRecordFormat)
        let machine = machine(for: session)
        var flags: UInt8 = session.answered ? 1 : 0
        if session.call.direction == .outgoing { flags |= 2 }
        flags |= session.phase.rawValue << 2
        out.append(flags)
        withUnsafeBytes(of: FlowID.of(session.flow).littleEndian) { out.append(contentsOf: $0) }
        out.appendVarint(UInt64(bitPattern: Int64(session.flowVersion)).zigzag)
        out.appendCompactText(machine?.flow.stateName(session.state) ?? "#\(session.state)")
        out.appendVarint(UInt64(session.turn))
        if let answer = session.lastAnswer {
            if let number = machine?.flow.prepared.number(of: answer) {
                out.append(1)
                out.appendVarint(UInt64(number))
            } else {
                // Length first: a reader that cannot resolve its URLs (another flow) skips it.
                var built: [UInt8] = []
                responseCoding(machine?.flow).append(answer, to: &built)
                out.append(2)
                out.appendVarint(UInt64(built.count))
                out.append(contentsOf: built)
            }
        } else {
            out.append(0)
        }
        let started = (session.startedAt.timeIntervalSince1970 - Self.sessionRecordEpoch) * 1000
        out.appendVarint(UInt64(bitPattern: Int64(started.isFinite ? started.rounded() : 0)).zigzag)
        Self.appendNumber(session.call.from, to: &out)
        Self.appendNumber(session.call.to, to: &out)
        let users = session.call.users
        out.appendVarint(UInt64(users.count))
        for user in users { out.appendCompactText(user) }
        appendExtras(session, machine, to: &out)
        return out
    }

    private func appendExtras(_ session: Session, _ machine: CallMachine?, to out: inout [UInt8]) {
        var mask: UInt8 = 0
        if session.noInputCount != 0 { mask |= 1 }
        if session.wrongKeyCount != 0 { mask |= 2 }
        if session.silenceStreak != 0 { mask |= 4 }
        if !session.trail.isEmpty { mask |= 8 }
        if !session.variables.isEmpty { mask |= 16 }
        if session.call.diversion != nil { mask |= 32 }
        if session.held != nil { mask |= 64 }
        out.append(mask)
        if mask & 1 != 0 { out.append(session.noInputCount) }
        if mask & 2 != 0 { out.append(session.wrongKeyCount) }
        if mask & 4 != 0 { out.append(session.silenceStreak) }
        if mask & 8 != 0 {
            let states = session.trail.states
            out.append(UInt8(states.count))
            for state in states { out.appendCompactText(machine?.flow.stateName(state) ?? "#\(state)") }
        }
        if mask & 16 != 0 {
            // Sensitive values (a PIN) are kept too: the next push, on any instance, needs them.
            let entries = session.variables.entries
            out.appendVarint(UInt64(entries.count))
            for entry in entries {
                out.appendCompactText(entry.name)
                out.appendCompactText(entry.value)
                out.append(entry.sensitive ? 1 : 0)
            }
        }
        if mask & 32 != 0, let diversion = session.call.diversion { Self.appendNumber(diversion, to: &out) }
        if mask & 64 != 0, let held = session.held { Self.appendHeld(held, to: &out) }
    }

    /// A session kept in a shared store, read back for `callId` and adopted by this engine;
    /// nil when the bytes are not a session this build wrote.
    package func decodeRecord(_ bytes: [UInt8], callId: CallID, now: Date) -> (session: Session, note: String?)? {
        guard let stored = readRecord(bytes, callId: callId, now: now) else { return nil }
        return adopt(stored)
    }

    func readRecord(_ bytes: [UInt8], callId: CallID, now: Date) -> StoredSession? {
        var reader = CompactReader(bytes)
        guard reader.byte() == Self.sessionRecordFormat, let flags = reader.byte(), flags >> 5 == 0,
            let phase = Session.Phase(rawValue: flags >> 2 & 7), let idBytes = reader.bytes(4),
            let version = reader.varint().map({ Int(Int64(bitPattern: $0.unzigzag)) }),
            let stateName = reader.text(), let turn = reader.integer(UInt32.self), let keptTag = reader.byte()
        else { return nil }
        let id = idBytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        let flowName = flowNames[id]
        let flow = flowName.flatMap { compiled(named: $0, version: version) }
        let kept: StoredSession.Kept
        switch keptTag {
        case 0: kept = .none
        case 1:
            guard let number = reader.integer(Int.self) else { return nil }
            kept = .prepared(number)
        case 2:
            guard let count = reader.integer(Int.self), let built = reader.bytes(count) else { return nil }
            var answerReader = CompactReader(Array(built))
            let coding = responseCoding(flow ?? flowName.flatMap { compiled(named: $0, version: nil) })
            // An answer of a flow not served here cannot be read, and is not needed: the call starts again.
            if let answer = coding.read(from: &answerReader), answerReader.isAtEnd { kept = .built(answer) } else { kept = .none }
        default: return nil
        }
        guard let started = reader.varint().map({ Double(Int64(bitPattern: $0.unzigzag)) / 1000 + Self.sessionRecordEpoch }),
            let from = Self.readNumber(&reader), let to = Self.readNumber(&reader),
            let userCount = reader.integer(Int.self), userCount <= 64
        else { return nil }
        var users: [String] = []
        for _ in 0..<userCount {
            guard let user = reader.text() else { return nil }
            users.append(user)
        }
        let call = CallData(from: from, to: to, direction: flags & 2 != 0 ? .outgoing : .incoming, users: users)
        var session = Session(
            callId: callId, flow: flowName ?? "#" + String(id, radix: 16), flowVersion: version, state: 0,
            phase: phase, call: call, startedAt: Date(timeIntervalSince1970: started))
        session.answered = flags & 1 != 0
        session.turn = turn
        session.lastActivity = now
        var trailNames: [String] = []
        guard readExtras(&reader, into: &session, trail: &trailNames), reader.isAtEnd else { return nil }
        return StoredSession(session: session, stateName: stateName, trailNames: trailNames, kept: kept)
    }

    private func readExtras(_ reader: inout CompactReader, into session: inout Session, trail: inout [String]) -> Bool {
        guard let mask = reader.byte(), mask >> 7 == 0 else { return false }
        if mask & 1 != 0 {
            guard let value = reader.byte() else { return false }
            session.noInputCount = value
        }
        if mask & 2 != 0 {
            guard let value = reader.byte() else { return false }
            session.wrongKeyCount = value
        }
        if mask & 4 != 0 {
            guard let value = reader.byte() else { return false }
            session.silenceStreak = value
        }
        if mask & 8 != 0 {
            guard let count = reader.byte(), Int(count) <= MenuTrail.capacity else { return false }
            for _ in 0..<count {
                guard let name = reader.text() else { return false }
                trail.append(name)
            }
        }
        if mask & 16 != 0 {
            guard let count = reader.integer(Int.self), count <= 1024 else { return false }
            for _ in 0..<count {
                guard let name = reader.text(), let value = reader.text(), let sensitive = reader.byte(), sensitive <= 1,
                    session.variables[name] == nil
                else { return false }
                session.variables.set(name, to: value, sensitive: sensitive == 1)
            }
        }
        if mask & 32 != 0 {
            guard let diversion = Self.readNumber(&reader) else { return false }
            session.call.diversion = diversion
        }
        if mask & 64 != 0 {
            guard let held = Self.readHeld(&reader) else { return false }
            session.held = held
        }
        return true
    }

    private func responseCoding(_ flow: CompiledFlow?) -> ResponseCoding {
        ResponseCoding(callbacks: flow?.callbacks, base: settings.publicURL.text)
    }

    /// A number of digits packed two to a byte; anything else (`anonymous`) as text after 0xFE.
    private static func appendNumber(_ number: String, to out: inout [UInt8]) {
        guard number.utf8.count <= 32, out.appendPackedDigits(number) else {
            out.append(0xFE)
            out.appendCompactText(number)
            return
        }
    }

    private static func readNumber(_ reader: inout CompactReader) -> String? {
        var peek = reader
        if peek.byte() == 0xFE {
            reader = peek
            return reader.text()
        }
        return reader.packedDigits()
    }
}

extension UInt64 {
    /// Zigzag: small negative numbers stay short as varints.
    var zigzag: UInt64 { self << 1 ^ UInt64(bitPattern: Int64(bitPattern: self) >> 63) }
    var unzigzag: UInt64 { self >> 1 ^ (0 &- (self & 1)) }
}
