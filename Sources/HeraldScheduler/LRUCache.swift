/// A dictionary that keeps at most `capacity` values, dropping the least recently used one first. Small and
/// linear (a worker holds a handful of data-source connections); not thread-safe.
struct LRUCache<Key: Hashable, Value> {
    let capacity: Int
    private var values: [Key: Value] = [:]
    /// Least recently used first.
    private var order: [Key] = []

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { values.count }
    var keys: [Key] { order }

    /// The value, marking it used.
    mutating func get(_ key: Key) -> Value? {
        guard let value = values[key] else { return nil }
        touch(key)
        return value
    }

    /// Stores the value as the most recently used; returns what was evicted to make room.
    @discardableResult
    mutating func set(_ key: Key, _ value: Value) -> [Value] {
        if values.updateValue(value, forKey: key) != nil {
            touch(key)
            return []
        }
        order.append(key)
        var evicted: [Value] = []
        while order.count > capacity {
            let oldest = order.removeFirst()
            if let value = values.removeValue(forKey: oldest) { evicted.append(value) }
        }
        return evicted
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        order.removeAll { $0 == key }
        return values.removeValue(forKey: key)
    }

    private mutating func touch(_ key: Key) {
        order.removeAll { $0 == key }
        order.append(key)
    }
}
