import FoundationEssentials
import Testing
import TouchtoneCommandLine

/// The README shows `touchtone serve --help` verbatim; it must be what the command prints.
@Suite struct ReadmeHelpTests {
    /// The package root, from this file's place in `Tests/TouchtoneCommandLineTests/`.
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    @Test func theReadmeShowsTheRealServeHelp() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.packageRoot + "/README.md"))
        let readme = String(decoding: data, as: UTF8.self)
        let opening = "<details><summary>Every option (<code>touchtone serve --help</code>)</summary>\n\n```\n"
        let start = try #require(readme.firstRange(of: opening), "README.md has no serve --help block").upperBound
        let end = try #require(readme[start...].firstRange(of: "```\n"), "the serve --help block is not closed").lowerBound
        #expect(
            String(readme[start..<end]) == ServeOptions.table.help(),
            "update README.md with the output of `touchtone serve --help`")
    }
}
