/// Schedules: the pages (`/schedules...`, the wizard) and the API (`/api/v1/schedules...`).
enum ScheduleRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        ScheduleAPIRoutes.register(&router)
        SchedulePageRoutes.register(&router, templates: templates)
        ScheduleWizardRoutes.register(&router, templates: templates)
    }
}
