// touchtone: the command line. Each subcommand is one small type; add new ones to `subcommands`.
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

let subcommands: [Subcommand] = [ServeCommand.subcommand, CheckCommand.subcommand, GraphCommand.subcommand, CallCommand.subcommand]

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
exit(CommandLineTool.run(arguments, environment: environment, subcommands: subcommands))
