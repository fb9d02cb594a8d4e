/// What a user may do: viewers read, creators build reports and schedules, admins manage users and settings.
public enum UserRole: String, Sendable, CaseIterable, Codable {
    case admin, creator, viewer
}
