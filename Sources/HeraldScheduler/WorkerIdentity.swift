import Foundation

/// The name a `herald scheduler` process takes for one start: its lease owner and its Redis consumer.
/// `scheduler:<host>:<pid>:<token>`. Host and pid say where it runs; the random token makes it unique, because two
/// containers on one host may share both (each is pid 1 under the same hostname), and then the `lease_owner`
/// guards would protect nothing.
public enum WorkerIdentity {
    public static func make(host: String, pid: Int32) -> String {
        let token = String(UInt64.random(in: .min ... .max), radix: 16)
        return "scheduler:\(host.replacingOccurrences(of: ":", with: "_")):\(pid):\(String(repeating: "0", count: 16 - token.count) + token)"
    }
}
