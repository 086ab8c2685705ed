// touchtone: the command line for the routing table of Flows/.
import Flows
import TouchtoneCommandLine

TouchtoneCommand.main(routes: Flows.routes)
