import Foundation

extension Doctor {
    /// Exists, is a folder, and this user can create and remove a file in it: `access(2)` alone says yes to root
    /// even where a read-only mount would refuse the write.
    func dataFolderCheck(_ path: String) -> DoctorResult {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return DoctorResult("data folder", .failed, "HERALD_DATA_DIR \(path) does not exist; create it, owned by the herald user")
        }
        guard isDirectory.boolValue else { return DoctorResult("data folder", .failed, "HERALD_DATA_DIR \(path) is not a folder") }
        let probe = path + "/.herald-doctor-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            return DoctorResult("data folder", .failed, "cannot create a file in \(path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        guard unlink(probe) == 0 else {
            return DoctorResult("data folder", .failed, "cannot remove a file from \(path): \(String(cString: strerror(errno)))")
        }
        return DoctorResult("data folder", .ok, "\(path) is writable")
    }

    func freeSpaceCheck(_ path: String) -> DoctorResult {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else {
            return DoctorResult("free space", .failed, "cannot read the free space of \(path): \(String(cString: strerror(errno)))")
        }
        let available = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
        let total = UInt64(stats.f_blocks) * UInt64(stats.f_frsize)
        let status = Self.freeSpaceStatus(available: available, total: total)
        let percent = total == 0 ? 0 : Double(available) / Double(total) * 100
        let said = "\(Self.bytes(available)) free of \(Self.bytes(total)) (\(String(format: "%.1f", percent)) %) under \(path)"
        switch status {
        case .ok: return DoctorResult("free space", .ok, said)
        case .warning: return DoctorResult("free space", .warning, "\(said): below 1 GiB or 5 %, renderings may soon fail")
        case .failed: return DoctorResult("free space", .failed, "\(said): below 100 MiB, renderings will fail")
        }
    }

    static let mebibyte: UInt64 = 1 << 20

    /// Failed below 100 MiB (a single export can be that big); a warning below 1 GiB or 5 % of the disk.
    static func freeSpaceStatus(available: UInt64, total: UInt64) -> DoctorResult.Status {
        if available < 100 * mebibyte { return .failed }
        if available < 1024 * mebibyte || available * 20 < total { return .warning }
        return .ok
    }

    static func bytes(_ count: UInt64) -> String {
        let gib = Double(count) / Double(1024 * mebibyte)
        return gib >= 1 ? String(format: "%.1f GiB", gib) : String(format: "%.0f MiB", Double(count) / Double(mebibyte))
    }
}
