import Testing
import Touchtone

@testable import TouchtoneServer

/// The states of ``frontFlow``.
enum SharedFront: String, FlowState {
    case menu
}

/// A front desk whose key 5 hands the call to the desk's second menu, key 1 transfers.
let frontFlow = Flow("front", version: 1, states: SharedFront.self, start: .menu) {
    Menu(.menu, prompt: "menu") {
        Key("1", .transfer(to: "4915799912345"))
        Key("5", .handOff(to: "desk", at: SharedDesk.more))
    }
}

let handOffRoutes = RoutingTable {
    Route(to: "4921100007", flow: sharedDeskFlow)
    Route.default(frontFlow)
}

/// A call handed from one flow to another, over HTTP, with its session in Redis and its
/// pushes landing on two instances.
@Suite("Hand-offs with shared sessions", .serialized, .enabled(if: RedisTestServer.enabled, RedisTestServer.skipReason))
struct SharedHandOffTests {
    @Test func aCallHandedToAnotherFlowGoesOnThereWhicheverInstanceGetsItsNextPush() throws {
        let redis = try RedisTestServer()
        let peek = try RedisPeek(redis)
        let a = try TestInstance(redis: redis, routes: handOffRoutes)
        let b = try TestInstance(redis: redis, routes: handOffRoutes)
        let call = TestCall("handed")
        #expect(try call.newCall(a).text.contains("menu.wav"))
        // Key 5 on B: the front hands the call to the desk's second menu, in one answer.
        let handed = try call.dtmf("5", b)
        #expect(handed.status == 200 && handed.text.contains("more.wav") && handed.text.contains("f=desk"))
        let session = try #require(try peek.session(call, a.engine))
        #expect(session.flow == "desk" && session.stateName(a.engine) == "more")
        // The next push, on A, is the desk's: key 1 of its second menu.
        #expect(try call.dtmf("1", a).text.contains("<Dial><Number>4915799900000</Number></Dial>"))
        // B's log has one line per flow for the push that handed the call on.
        let lines = b.logs.text.split(separator: "\n").filter { $0.contains("event=dtmf") }
        #expect(lines.count == 2)
        #expect(lines.first?.contains("flow=front") == true && lines.first?.contains("ending=handoff") == true)
        #expect(lines.last?.contains("flow=desk") == true && lines.last?.contains("started=true") == true)
        let metrics = try request(b.port, "GET", "/metrics").text
        #expect(metrics.contains("touchtone_flow_calls_total{flow=\"desk\",version=\"1\"} 1\n"))
        #expect(
            metrics.contains(
                "touchtone_flow_endings_total{flow=\"front\",version=\"1\",state=\"menu\",how=\"handoff\",variant=\"\"} 1\n"))
        a.stop()
        b.stop()
    }
}

/// The states of ``bilingualFlow``.
enum Bilingual: String, FlowState {
    case choose, menu
}

/// German for German numbers, English otherwise; 9 switches to English.
let bilingualFlow = Flow("bilingual", version: 1, states: Bilingual.self, start: .choose) {
    Decide(.choose) {
        When(.fromPrefix("49"), .language("de", then: .go(.menu)))
        Otherwise(.language("en", then: .go(.menu)))
    }
    Menu(.menu, prompt: "menu") {
        Key("1", .transfer(to: "4915799912345"))
        Key("9", .language("en", then: .go(.menu)))
    }
}
.languages(["de", "en"], default: "en")

/// A call's language, kept in its session in Redis, whichever instance gets the next push.
@Suite("Languages with shared sessions", .serialized, .enabled(if: RedisTestServer.enabled, RedisTestServer.skipReason))
struct SharedLanguageTests {
    @Test func aCallKeepsItsLanguageAcrossInstances() throws {
        let redis = try RedisTestServer()
        let routes = RoutingTable { Route.default(bilingualFlow) }
        let a = try TestInstance(redis: redis, routes: routes)
        let b = try TestInstance(redis: redis, routes: routes)
        let call = TestCall("bilingual")
        // newCallBody calls from 492111234567: German.
        #expect(try call.newCall(a).text.contains("/audio/de/menu.wav"))
        // A wrong key on B: the re-prompt is German too, read from Redis.
        #expect(try call.dtmf("5", b).text.contains("/audio/de/menu.wav"))
        // 9 on A switches to English; B then answers in English.
        #expect(try call.dtmf("9", a).text.contains("/audio/en/menu.wav"))
        #expect(try call.dtmf("5", b).text.contains("/audio/en/menu.wav"))
        a.stop()
        b.stop()
    }
}
