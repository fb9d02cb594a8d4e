import Testing
@testable import HeraldWeb

/// The navigation marks one item current: a path's first segment, or its first two under `/admin/` (Users, Email
/// and Audit are separate items there).
struct PageChromeSectionTests {
    @Test func adminPagesHaveASectionEach() {
        #expect(PageChrome.section(of: "/schedules/new") == "schedules")
        #expect(PageChrome.section(of: "/admin/users/3/edit") == "admin/users")
        #expect(PageChrome.section(of: "/admin/email") == "admin/email")
        #expect(PageChrome.section(of: "/admin/audit") != PageChrome.section(of: "/admin/users"))
        #expect(PageChrome.section(of: "/") == "")
    }
}
