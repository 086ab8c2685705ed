import MyFlows
import TouchtoneCommandLine

TouchtoneCommand.main(routes: routes)
