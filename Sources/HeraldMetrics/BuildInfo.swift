/// `herald_build_info{version,swift} 1`: which build answers, so a dashboard can tell processes apart after an upgrade.
enum BuildInfo {
    static func register(in registry: MetricsRegistry, version: String) {
        registry.gauge("herald_build_info", help: "Always 1; the labels say which Herald build and Swift compiler this process runs.",
                       labels: ["version", "swift"]).labels(version, swiftVersion).set(1)
    }

    /// The compiler that built this binary (Swift has no run-time query for it).
    static var swiftVersion: String {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }
}
