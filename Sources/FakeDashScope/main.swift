import Foundation
import GalleyCore

// The fake DashScope until SIGTERM: see FakeDashScopeApp.
Signals.ignoreSIGPIPE()
exit(await FakeDashScopeApp.run(arguments: Array(CommandLine.arguments.dropFirst())).rawValue)
