@testable import HeraldScheduler
import Testing

struct LRUCacheTests {
    @Test func dropsTheLeastRecentlyUsedPastItsCapacity() {
        var cache = LRUCache<String, Int>(capacity: 2)
        #expect(cache.set("a", 1).isEmpty)
        #expect(cache.set("b", 2).isEmpty)
        #expect(cache.get("a") == 1)
        #expect(cache.set("c", 3) == [2])
        #expect(cache.get("b") == nil)
        #expect(cache.keys == ["a", "c"])
        #expect(cache.count == 2)
    }

    @Test func replacingAValueEvictsNothingAndMarksItUsed() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.set("a", 10).isEmpty)
        #expect(cache.set("c", 3) == [2])
        #expect(cache.get("a") == 10)
    }

    @Test func removedKeysLeaveTheOrder() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.remove("a") == 1)
        #expect(cache.keys == ["b"])
        #expect(cache.set("c", 3).isEmpty)
        #expect(cache.count == 2)
    }
}
