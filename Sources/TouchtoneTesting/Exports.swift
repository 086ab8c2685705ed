// A flow test needs the DSL types too; importing TouchtoneTesting brings them.
@_exported import Touchtone
