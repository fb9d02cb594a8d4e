import ArgumentParser

/// `herald`: one executable, one subcommand per process or operator task.
@main
struct Herald: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        abstract: "Runs reports on a schedule and delivers them.",
        version: version,
        subcommands: [WebCommand.self, SchedulerCommand.self, MigrateCommand.self, UserCommand.self, TokenCommand.self,
                      KeyCommand.self, CronCommand.self, DataSourceCommand.self, ReportCommand.self, ScheduleCommand.self, DestinationCommand.self, SecretsCommand.self, RunOnceCommand.self, ExecutionCommand.self, DoctorCommand.self, RetentionCommand.self, BenchCommand.self]
    )
}
