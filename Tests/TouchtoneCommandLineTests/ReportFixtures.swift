import Touchtone
import TouchtoneCommandLine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The states of the report tests' flow.
enum Desk: String, FlowState {
    case entry, menu, identify, known, closed
}

/// The one outcome of the desk's look-up.
enum DeskCaller: String, LookupOutcome { case known }

/// A small flow with a decision, a menu, a look-up and announcements, version 2.
let desk = Flow("desk", version: 2, states: Desk.self, start: .entry) {
    Decide(.entry) {
        When(.closed(OpeningHours(zone: "Europe/Berlin") { Open(.monday ... .friday, from: "08:00", to: "18:00") }), .go(.closed))
        Otherwise(.go(.menu))
    }
    Menu(.menu, prompt: "main-menu") {
        Key("1", .go(.identify))
        Key("2", .voicemail)
        NoInput(play: "no-input")
        WrongKey(play: "invalid-option")
    }
    .attempts(3, then: .hangup)
    Lookup(.identify, outcomes: DeskCaller.self, deadline: .seconds(2), fallback: .voicemail) { _ in
        .init(.known)
    } then: { _ in
        .go(.known)
    }
    Announce(.known, play: "welcome", then: .transfer(to: "4921199999999"))
    Announce(.closed, play: "after-hours", then: .voicemail)
}

/// The desk and the reference flow.
let reportRoutes = RoutingTable {
    Route(to: "4921100009", flow: desk)
    Route.default(ReferenceFlow.flow)
}

/// Logs written by hand, whose numbers the tests work out by hand.
enum ReportLogs {
    /// One push line of the desk at 14:MM:SS on 2026-12-06.
    static func desk(_ clock: String, _ fields: String) -> String {
        #"{"time":"2026-12-06T14:\#(clock).000Z","kind":"push","callId":"c","event":"dtmf","flow":"desk","version":2,\#(fields)}"#
    }

    /// Seven calls: A transferred after a look-up, B hangs up in the menu after a wrong key
    /// and silence, C after hours to voicemail, D presses 2 for voicemail, E's look-up is
    /// late (voicemail), F expires in the menu, G has no ending yet. Then a server notice, a
    /// text line, a blank line, a broken line (line 20), and a line of the reference flow.
    static let sevenCalls =
        [
            desk("00:01", #""state":"none->menu","started":true,"edges":[["entry","otherwise","menu"]]"#),
            desk("00:03", #""state":"menu->identify","edges":[["menu","key 1","identify"]],"waitedMs":2000"#),
            desk(
                "00:04",
                #""state":"identify->known","edges":[["identify","result known","known"],["known","next","transfer"]],"lookupState":"identify","lookupMs":300,"ending":"transfer","endingState":"known""#
            ),
            desk("01:01", #""state":"none->menu","started":true,"edges":[["entry","otherwise","menu"]]"#),
            desk("01:05", #""state":"menu->menu","edges":[["menu","wrong key","menu"]],"waitedMs":4000"#),
            desk("01:10", #""state":"menu->menu","edges":[["menu","no input","menu"]],"waitedMs":5000"#),
            desk("01:11", #""state":"menu->none","waitedMs":1000,"ending":"caller-hangup","endingState":"menu""#),
            desk(
                "02:01",
                #""state":"none->none","started":true,"edges":[["entry","when closed","closed"],["closed","next","voicemail"]],"ending":"voicemail","endingState":"closed""#
            ),
            desk("03:01", #""state":"none->menu","started":true,"edges":[["entry","otherwise","menu"]]"#),
            desk(
                "03:04",
                #""state":"menu->none","edges":[["menu","key 2","voicemail"]],"waitedMs":3000,"ending":"voicemail","endingState":"menu""#),
            desk("04:01", #""state":"none->menu","started":true,"edges":[["entry","otherwise","menu"]]"#),
            desk("04:07", #""state":"menu->identify","edges":[["menu","key 1","identify"]],"waitedMs":6000"#),
            desk(
                "04:09",
                #""state":"identify->none","edges":[["identify","deadline passed","voicemail"]],"lookupState":"identify","lookupMs":2000,"ending":"voicemail","endingState":"identify""#
            ),
            desk("05:01", #""state":"none->menu","started":true,"edges":[["entry","otherwise","menu"]]"#),
            #"{"time":"2026-12-06T14:06:01.000Z","kind":"expired","callId":"f","flow":"desk","version":2,"waitedMs":60000,"ending":"expired","endingState":"menu"}"#,
            desk("07:01", #""state":"none->menu","started":true,"edges":[["entry","otherwise","menu"]]"#),
            #"{"time":"2026-12-06T14:07:02.000Z","kind":"server","msg":"sessions saved","count":"3"}"#,
            "2026-12-06T14:07:03.000Z push callId=x event=dtmf flow=desk verb=gather us=10",
            "",
            #"{"time":"2026-12-06T14:07:04.000Z","kind":"push","flow":"desk","#,
            #"{"time":"2026-12-06T15:00:00.000Z","kind":"push","callId":"r","event":"newCall","flow":"reference","version":1,"state":"none->menu","started":true}"#,
        ].joined(separator: "\n") + "\n"

    /// Two splits: `entry` into a and b, `menu` into x (a call in b and x counts for both).
    static let splits =
        [
            desk("00:01", #""variant":"entry=a","started":true,"edges":[["entry","share a (50%)","menu"]]"#),
            desk("00:02", #""variant":"entry=b","started":true,"edges":[["entry","share b (50%)","menu"]]"#),
            desk("00:03", #""variant":"entry=a","started":true,"edges":[["entry","share a (50%)","menu"]]"#),
            desk("00:04", #""variant":"entry=a","edges":[["menu","key 2","voicemail"]],"ending":"voicemail","endingState":"menu""#),
            desk("00:05", #""variant":"entry=b","ending":"caller-hangup","endingState":"menu""#),
            desk("00:06", #""variant":"entry=a","ending":"caller-hangup","endingState":"menu""#),
            desk(
                "00:07",
                #""variant":"entry=b,menu=x","started":true,"edges":[["entry","share b (50%)","menu"],["menu","share x (30%)","known"]]"#),
            desk("00:08", #""variant":"entry=b,menu=x","edges":[["known","next","transfer"]],"ending":"transfer","endingState":"known""#),
        ].joined(separator: "\n") + "\n"

    /// `text` in a new file under /tmp; the caller removes it.
    static func file(_ text: String) -> String {
        let path = "/tmp/touchtone-report-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return path
    }
}
