/// Compiling a flow that speaks several languages: once per language, each with its own
/// prompts (`Audio/<code>/`) and prepared answers, the default language holding the others.
extension Flow {
    func compileLanguages(in environment: CompileEnvironment) -> (CompiledFlow, [FlowProblem]) {
        var problems: [FlowProblem] = []
        var seen = Set<String>()
        for code in languages {
            if !Language.isValid(code) {
                problems.append(FlowProblem(flow: name, state: nil, message: "\"\(code)\" is not a language code (like de, en or en-GB)"))
            }
            if !seen.insert(code).inserted {
                problems.append(FlowProblem(flow: name, state: nil, message: "language \(code) is listed twice"))
            }
        }
        let main = defaultLanguage ?? languages[0]
        if !languages.contains(main) {
            problems.append(FlowProblem(flow: name, state: nil, message: "the default language \(main) is not one the flow speaks"))
        }
        var translations: [(code: String, flow: CompiledFlow)] = []
        for code in languages where code != main && Language.isValid(code) {
            var compiler = FlowCompiler(flow: self, environment: environment.speaking(code))
            compiler.language = code
            let (compiled, found) = compiler.run()
            translations.append((code, compiled))
            problems += found
        }
        var compiler = FlowCompiler(flow: self, environment: Language.isValid(main) ? environment.speaking(main) : environment)
        compiler.language = main
        compiler.translations = translations
        let (compiled, found) = compiler.run()
        problems += found
        // A problem of the flow's shape shows in every language: list it once.
        var listed = Set<String>()
        return (compiled, problems.filter { listed.insert($0.description).inserted })
    }
}
