import FoundationEssentials
import Touchtone

/// The sessions of one event loop's pushes in Redis: each push's ``SessionWork`` run as
/// commands on the loop's ``RedisLink``, without ever blocking the loop. Other calls never
/// wait for one call's round trip: the link pipelines every call's commands.
///
/// Per push:
/// - a new call: `SET key value NX PX ttl`; if the call exists (a repeated `newCall`), `GET`
///   it and answer from it;
/// - `dtmf`, `answer`, a finished look-up: `GET`, apply, and if the session changed, the
///   replace script (``ReplaceScript``) writes it only if nobody changed it meanwhile; if
///   somebody did (another instance, the same call), apply again to what they wrote;
/// - `hangup`: `GETDEL`, apply to what it took.
///
/// A command that fails (Redis unreachable, too slow, refusing) ends the push with
/// ``SessionWork/unreachable(_:)``: a safe answer, never a hang.
final class RedisSessions {
    let link: RedisLink
    private let engine: Engine
    private let settings: RedisSessionSettings
    private let ttlMilliseconds: Int
    /// The replace script's SHA-1, from `SCRIPT LOAD` at start-up.
    private let scriptSHA: String
    let stats: StoreStats
    private var jobs: [UInt64: Job] = [:]
    private var nextToken: UInt64 = 1
    private var done: [Finished] = []

    /// Who waits for a push's answer.
    struct Owner {
        var connectionID: UInt64
        /// When the request was complete (monotonic nanoseconds), for its latency.
        var startedAt: UInt64
        /// What the work is for besides a push's answer.
        var role = Role.answer

        enum Role {
            /// The answer of the connection's push.
            case answer
            /// The hold answer of this look-up's push: once written, its ending may be kept.
            case hold(PendingLookup)
            /// Keeping a held look-up's ending: nobody is answered, its record is logged.
            case keep
        }

        func writingHold(of pending: PendingLookup) -> Owner {
            Owner(connectionID: connectionID, startedAt: startedAt, role: .hold(pending))
        }

        func keeping() -> Owner {
            Owner(connectionID: connectionID, startedAt: startedAt, role: .keep)
        }
    }

    /// A push whose work is done: its reply, for its owner.
    struct Finished {
        var owner: Owner
        var reply: EngineReply
    }

    private struct Job {
        let work: SessionWork
        let owner: Owner
        var stage: Stage
        var sentAt: UInt64 = 0
        var conflicts = 0
    }

    private enum Stage {
        /// `SET NX` of a new call's session.
        case inserting
        /// `GET` of the call a repeated `newCall` found.
        case readingExisting
        /// `GET` before applying.
        case reading
        /// The replace script, with what was read, and the result to answer once it wrote.
        case replacing(old: [UInt8], new: [UInt8], result: SessionWorkResult, viaEval: Bool)
        /// `GETDEL` of a call that ended.
        case taking
    }

    init(link: RedisLink, engine: Engine, settings: RedisSessionSettings, scriptSHA: String, stats: StoreStats) {
        self.link = link
        self.engine = engine
        self.settings = settings
        self.ttlMilliseconds = max(settings.sessionTTL.wholeMilliseconds, 1)
        self.scriptSHA = scriptSHA
        self.stats = stats
    }

    /// Starts `work` for `owner`; its reply comes out of ``takeFinished()``.
    func start(_ work: SessionWork, for owner: Owner, now: UInt64) {
        let key = settings.key(work.callId)
        switch work.access {
        case .create(let session):
            var set = RESPCommand("SET", key, engine.encodeRecord(session))
            set.append("NX")
            set.append("PX")
            set.append(ttlMilliseconds)
            send(set, Job(work: work, owner: owner, stage: .inserting), now: now)
        case .update:
            send(RESPCommand("GET", key), Job(work: work, owner: owner, stage: .reading), now: now)
        case .take:
            send(RESPCommand("GETDEL", key), Job(work: work, owner: owner, stage: .taking), now: now)
        }
    }

    /// Moves every job whose reply came in along, then writes the commands that pushes
    /// queued since the last call in one go; call once per loop turn, after anything that
    /// may complete or queue commands (socket events, timers, pushes).
    func advance(now: UInt64) {
        repeat {
            for completion in link.takeCompletions() {
                guard var job = jobs.removeValue(forKey: completion.token) else { continue }
                stats.observe(roundTripNanoseconds: now &- job.sentAt)
                switch completion.result {
                case .success(let reply):
                    handle(reply, of: &job, now: now)
                case .failure(let error) where error.kind == .noScript:
                    guard case .replacing(let old, let new, let result, _) = job.stage else {
                        fail(job, error)
                        continue
                    }
                    // Redis lost its scripts (a restart): send the script itself, which loads it again.
                    job.stage = .replacing(old: old, new: new, result: result, viaEval: true)
                    sendReplace(job, old: old, new: new, now: now)
                case .failure(let error):
                    fail(job, error)
                }
            }
            // A write that finds the connection broken fails what it carried at once.
            link.flush(now: now)
        } while link.hasCompletions
    }

    /// The pushes done since the last call.
    func takeFinished() -> [Finished] {
        defer { done.removeAll(keepingCapacity: true) }
        return done
    }

    var isIdle: Bool { jobs.isEmpty && done.isEmpty }

    // MARK: Steps

    private func handle(_ reply: RESPReply, of job: inout Job, now: UInt64) {
        let work = job.work
        switch job.stage {
        case .inserting:
            if reply.isOK {
                finish(job, work.createdResult)
            } else {
                job.stage = .readingExisting
                send(RESPCommand("GET", settings.key(work.callId)), job, now: now)
            }
        case .readingExisting, .reading, .taking:
            guard let bytes = reply.bytes else {
                finish(job, work.applyWithoutSession())
                return
            }
            apply(to: bytes, job: &job, now: now)
        case .replacing(_, _, let result, _):
            if reply.integer == 1 {
                finish(job, result)
            } else if let current = reply.bytes {
                // Another push of the call (on any instance) wrote first: apply to what it wrote.
                job.conflicts += 1
                stats.countConflict()
                guard job.conflicts <= settings.maxConflicts else {
                    finishUnreachable(job, "\(job.conflicts) writes in a row met another change of the call")
                    return
                }
                apply(to: current, job: &job, now: now)
            } else {
                // The call ended meanwhile (its hangup took the session).
                finish(job, work.applyWithoutSession())
            }
        }
    }

    /// Applies the job's work to the stored `bytes`; writes back what changed.
    private func apply(to bytes: [UInt8], job: inout Job, now: UInt64) {
        let work = job.work
        guard let (adopted, note) = engine.decodeRecord(bytes, callId: work.callId, now: engine.clock.now()) else {
            stats.countUnreadable()
            finishUnreachable(job, "the stored session is not one this build reads")
            return
        }
        var session = adopted
        let result = work.apply(to: &session).noting(note)
        guard result.changed, case .update = work.access else {
            // Nothing to write, or the session is gone already (`GETDEL`), or the call
            // exists and this was its `newCall` again.
            finish(job, result)
            return
        }
        let new = engine.encodeRecord(session)
        job.stage = .replacing(old: bytes, new: new, result: result, viaEval: false)
        sendReplace(job, old: bytes, new: new, now: now)
    }

    private func sendReplace(_ job: Job, old: [UInt8], new: [UInt8], now: UInt64) {
        var command: RESPCommand
        if case .replacing(_, _, _, true) = job.stage {
            command = RESPCommand("EVAL", ReplaceScript.source)
        } else {
            command = RESPCommand("EVALSHA", scriptSHA)
        }
        command.append(1)
        command.append(settings.key(job.work.callId))
        command.append(old)
        command.append(new)
        command.append(ttlMilliseconds)
        send(command, job, now: now)
    }

    private func send(_ command: RESPCommand, _ job: Job, now: UInt64) {
        var job = job
        let token = nextToken
        nextToken &+= 1
        job.sentAt = now
        jobs[token] = job
        // Written by the next `advance`: one write for every command of the loop's turn.
        link.send(command, token: token, now: now, flush: false)
    }

    private func fail(_ job: Job, _ error: RedisError) {
        stats.count(error)
        finishUnreachable(job, error.description)
    }

    private func finishUnreachable(_ job: Job, _ reason: String) {
        done.append(Finished(owner: job.owner, reply: job.work.unreachable(reason)))
    }

    private func finish(_ job: Job, _ result: SessionWorkResult) {
        done.append(Finished(owner: job.owner, reply: job.work.finish(result)))
    }
}
