import Foundation

/// Values worked out once and shared by every thread of a process, by key, forgotten all at once when the table
/// reaches `capacity` (no bookkeeping per hit; a full table is rare and only costs the work again).
/// A key must name everything its value was made from: a memo is never invalidated, only outgrown.
public final class MemoTable<Key: Hashable, Value>: @unchecked Sendable {
    public let capacity: Int
    private let lock = NSLock()
    private var known: [Key: Value] = [:]

    public init(capacity: Int) { self.capacity = capacity }

    public var count: Int { lock.withLock { known.count } }

    public subscript(key: Key) -> Value? {
        get { lock.withLock { known[key] } }
        set {
            lock.withLock {
                if newValue != nil && known[key] == nil && known.count >= capacity { known.removeAll(keepingCapacity: true) }
                known[key] = newValue
            }
        }
    }

    /// Several keys under one lock: a list page asks for all its rows at once.
    public func values(_ keys: some Sequence<Key>) -> [Value?] {
        lock.withLock { keys.map { known[$0] } }
    }

    public func removeAll() { lock.withLock { known.removeAll(keepingCapacity: true) } }
}
