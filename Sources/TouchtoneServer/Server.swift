import Touchtone
