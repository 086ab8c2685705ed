import CTouchtoneSystem
import Testing

@testable import TouchtoneServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Both event backends report the same readiness for the same descriptors.
@Suite("Event backends")
struct PollerTests {
    /// A pipe: [read end, write end], closed by `body`'s caller.
    private func withPipe(_ body: (Int32, Int32) throws -> Void) throws {
        var fds: [Int32] = [-1, -1]
        #expect(fds.withUnsafeMutableBufferPointer { ctt_wake_pipe($0.baseAddress) } == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        try body(fds[0], fds[1])
    }

    private func ready(_ poller: borrowing Poller) -> [UInt64: Interest] {
        var list = Poller.ReadyList()
        let n = poller.wait(into: &list, timeoutMilliseconds: 0)
        var out: [UInt64: Interest] = [:]
        for i in 0..<max(Int(n), 0) { out[list[i].token] = list[i].events }
        return out
    }

    @Test(arguments: EventBackend.allCases)
    func readinessComesBackWithItsToken(_ backend: EventBackend) throws {
        #if !os(Linux)
            if backend == .epoll { return }
        #endif
        let poller = try Poller(backend)
        try withPipe { readEnd, writeEnd in
            try poller.add(readEnd, .readable, token: 7)
            try poller.add(writeEnd, .writable, token: 8)
            #expect(ready(poller) == [8: .writable], "nothing to read yet; room to write")
            #expect(ctt_wake_signal(writeEnd) == 0)
            #expect(ready(poller)[7] == .readable)
            #expect(ready(poller)[7] == .readable, "level-triggered: still readable until read")
            #expect(ctt_wake_drain(readEnd) == 0)
            #expect(ready(poller)[7] == nil)
            try poller.modify(writeEnd, [], token: 8)
            #expect(ready(poller).isEmpty)
            poller.remove(readEnd, token: 7)
            #expect(ctt_wake_signal(writeEnd) == 0)
            #expect(ready(poller).isEmpty)
        }
    }

    /// A number reused by a new descriptor belongs to its new owner: the poll set replaces
    /// the entry on add, and a removal under the old token leaves it alone.
    @Test func aReusedNumberKeepsItsNewOwner() throws {
        let poller = try Poller(.poll)
        try withPipe { readEnd, writeEnd in
            try poller.add(readEnd, .readable, token: 1)
            try poller.add(readEnd, .readable, token: 2)
            poller.remove(readEnd, token: 1)
            #expect(ctt_wake_signal(writeEnd) == 0)
            #expect(ready(poller) == [2: .readable])
        }
    }
}
