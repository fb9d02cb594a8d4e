/// Everything under `Executions/`: the run pages, the downloads and the API, registered with one line in `WebRoutes`.
enum ExecutionsRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        ExecutionRoutes.register(&router, templates: templates)
        ArtifactRoutes.register(&router, templates: templates)
        ExecutionAPIRoutes.register(&router)
    }
}
