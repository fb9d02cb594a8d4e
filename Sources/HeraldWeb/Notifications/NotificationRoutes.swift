/// Everything under `Notifications/`: the signed-in user's own notifications, as the `/notifications` page and as
/// `/api/v1/notifications…`, both through `NotificationService`. The header's bell is `PageChrome.Bell`.
enum NotificationRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        NotificationPages.register(&router, templates: templates)
        NotificationsAPI.register(&router)
    }
}
