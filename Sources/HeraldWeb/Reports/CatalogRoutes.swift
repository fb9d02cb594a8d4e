/// Reports, data sources, destinations and distribution templates: their API and their pages.
enum CatalogRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        ReportsAPI.register(&router)
        DataSourcesAPI.register(&router)
        DestinationsAPI.register(&router)
        ReportPages.register(&router, templates: templates)
        DataSourcePages.register(&router, templates: templates)
        DestinationPages.register(&router, templates: templates)
        TemplatesAPI.register(&router)
        TemplatePages.register(&router, templates: templates)
    }
}
