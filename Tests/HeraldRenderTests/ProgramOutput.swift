import Foundation

/// Runs a program (a file reader such as pdftotext, or Python with a checker) to its end and returns its exit
/// status and standard output; standard error stays out of what the tests parse.
func programOutput(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

/// Where SwiftPM put the executables (`RenderProbe`): `HERALD_TEST_BIN_DIR` (deploy/test.sh sets it), else beside the
/// test bundle (`.build/debug/HeraldPackageTests.xctest`), as TestSupport's `TestEnvironment.binDirectory` finds it.
var testBinDirectory: String {
    if let dir = ProcessInfo.processInfo.environment["HERALD_TEST_BIN_DIR"], !dir.isEmpty { return dir }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
    if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
    return url.path
}
