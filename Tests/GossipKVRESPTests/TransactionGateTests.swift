import NIOConcurrencyHelpers
import Testing

@testable import GossipKVRESP

@Suite("the gate that keeps other clients out of an EXEC")
struct TransactionGateTests {
    /// Waits (polling) until `condition` holds; false after two seconds.
    func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<400 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test("a waiting EXEC holds back later commands; they enter once it is done")
    func exclusiveIsNotStarved() async {
        let gate = TransactionGate()
        let order = NIOLockedValueBox<[String]>([])
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            await gate.shared {
                enteredSignal.yield()
                for await _ in release { break }
                order.withLockedValue { $0.append("first command") }
            }
        }
        for await _ in entered { break }
        let exec = Task { await gate.exclusive { order.withLockedValue { $0.append("exec") } } }
        #expect(await eventually { gate.waiting.exclusive == 1 })
        let later = Task { await gate.shared { order.withLockedValue { $0.append("later command") } } }
        #expect(await eventually { gate.waiting.shared == 1 })
        #expect(order.withLockedValue { $0 }.isEmpty)
        releaser.yield()
        await first.value
        await exec.value
        await later.value
        #expect(order.withLockedValue { $0 } == ["first command", "exec", "later command"])
        #expect(gate.waiting == (0, 0))
    }

    @Test("commands enter together when no EXEC is waiting")
    func sharedHoldersOverlap() async {
        let gate = TransactionGate()
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            await gate.shared {
                enteredSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        // A second command gets in while the first still holds the gate.
        let second = await gate.shared { "in" }
        #expect(second == "in")
        releaser.yield()
        await holder.value
    }
}
