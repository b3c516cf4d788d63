import GalleyRuntime

// The operators' command line: every action of the console, for terminals and scripts; see GalleyctlApp.
await ProcessBootstrap.main(GalleyctlApp.definition)
