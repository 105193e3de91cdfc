import ArgumentParser

extension Knooppunt {
    /// Every subcommand, in the order `--help` lists them.
    static let commands: [any ParsableCommand.Type] = [
        ClusterCommand.self, NodeCommand.self, RegionCommand.self, DaemonCommand.self, NCTVCommand.self,
        PoliceCommand.self,
        PublishCommand.self, StatusCommand.self, WatchCommand.self, DeskCommand.self, ValidateCommand.self,
        ScreenCommand.self,
        TimelineCommand.self, ExportCommand.self, ExerciseCommand.self, AckCommand.self, SignalCommand.self,
        AlertsCommand.self,
        UsersCommand.self, KeysCommand.self, OrgCommand.self, AuditCommand.self,
        PolicyCommand.self, ChaosCommand.self,
        BenchCommand.self,
    ]
}
