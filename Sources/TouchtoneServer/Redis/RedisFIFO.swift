/// A first-in-first-out queue for a ``RedisConnection``'s commands: an array read from a
/// moving head, so that taking the first element costs no shift of the others.
struct RedisFIFO<Element> {
    private var storage: [Element] = []
    private var head = 0

    /// The number of elements.
    var count: Int { storage.count - head }

    /// Whether there is none.
    var isEmpty: Bool { head == storage.count }

    /// The oldest element.
    var first: Element? { isEmpty ? nil : storage[head] }

    /// Adds `element` at the end.
    mutating func append(_ element: Element) {
        storage.append(element)
    }

    /// Takes the oldest element.
    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= storage.count {
            // The taken elements are most of the array: drop them (amortized O(1) per element).
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Takes every element, oldest first.
    mutating func removeAll() -> ArraySlice<Element> {
        let all = storage[head...]
        storage = []
        head = 0
        return all
    }
}
