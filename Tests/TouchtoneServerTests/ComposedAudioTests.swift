import Testing
import Touchtone

@testable import TouchtoneServer

/// The repository's `Audio/` folder, found from this file.
private let audioDirectory = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/Audio"

@Suite struct ComposedAudioTests {
    @Test func aComposedPromptJoinsTheSamplesOfItsPieces() throws {
        let library = AudioLibrary(directory: audioDirectory)
        try withServer(audio: library) { _, port in
            let response = try request(port, "GET", "/audio/compose/digit-4,digit-1,euro.wav")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "audio/wav")
            let format = try WAVFormat(bytes: response.body)
            #expect(format.isPlayableBySipgate)
            let pieces = try ["digit-4", "digit-1", "euro"].map { name in
                try WAVFormat(bytes: try #require(library.file(named: name + ".wav")).bytes).dataBytes
            }
            #expect(format.dataBytes == pieces.reduce(0, +))
            let etag = try #require(response.header("etag"))
            let again = try request(port, "GET", "/audio/compose/digit-4,digit-1,euro.wav", headers: ["If-None-Match": etag])
            #expect(again.status == 304)
        }
    }

    @Test func onlyPiecesOfTheAudioFolderInBoundedNumberAreJoined() throws {
        try withServer(audio: AudioLibrary(directory: audioDirectory)) { _, port in
            let statuses = try [
                "/audio/compose/digit-4,nope.wav",
                "/audio/compose/digit-4,..%2Fsecret.wav",
                "/audio/compose/../digit-4.wav",
                "/audio/compose/" + Array(repeating: "digit-1", count: 33).joined(separator: ",") + ".wav",
                "/audio/compose/" + Array(repeating: "digit-1", count: 32).joined(separator: ",") + ".wav",
            ].map { try request(port, "GET", $0).status }
            #expect(statuses == [404, 404, 404, 404, 200])
        }
    }
}
