// touchtone: the command line. Each subcommand is one small type; add new ones to `subcommands`.
import FoundationEssentials
import TouchtoneServer
#if canImport(Glibc)
import Glibc
#endif

let subcommands: [Subcommand] = [ServeCommand.subcommand]

exit(CommandLineTool.run(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment,
                         subcommands: subcommands))
