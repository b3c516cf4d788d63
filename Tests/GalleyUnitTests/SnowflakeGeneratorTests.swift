import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyRedis
import GalleyTestSupport

@Suite struct SnowflakeGeneratorTests {
    private static let base: Int64 = SnowflakeGenerator.epochMilliseconds + 86_400_000 * 700

    @Test func layoutMatchesTheContract() throws {
        let generator = try SnowflakeGenerator(nodeID: 5, clock: { SnowflakeGenerator.epochMilliseconds + 1000 })
        #expect(generator.next() == (1000 << 22) | (5 << 12))
        #expect(generator.next() == (1000 << 22) | (5 << 12) | 1)
        let parts = SnowflakeGenerator.components(of: generator.next())
        #expect(parts.unixMilliseconds == 1_704_067_201_000)
        #expect(parts.nodeID == 5)
        #expect(parts.sequence == 2)
    }

    @Test func millionIdsAreStrictlyIncreasing() throws {
        let generator = try SnowflakeGenerator(nodeID: 1023)
        var previous = generator.next()
        #expect(previous > 0)
        var violations = 0
        for _ in 1..<1_000_000 {
            let id = generator.next()
            if id <= previous { violations += 1 }
            previous = id
        }
        #expect(violations == 0)  // strictly increasing implies unique
        #expect(SnowflakeGenerator.components(of: previous).nodeID == 1023)
    }

    @Test func generatorsWithDifferentNodesNeverCollide() throws {
        // The same frozen clock for both: only the node bits can keep them apart.
        let clock: @Sendable () -> Int64 = { SnowflakeGeneratorTests.base }
        let a = try SnowflakeGenerator(nodeID: 1, clock: clock)
        let b = try SnowflakeGenerator(nodeID: 2, clock: clock)
        var fromA = Set<Int64>()
        var fromB = Set<Int64>()
        for _ in 0..<50_000 {
            fromA.insert(a.next())
            fromB.insert(b.next())
        }
        #expect(fromA.count == 50_000 && fromB.count == 50_000)
        #expect(fromA.isDisjoint(with: fromB))
    }

    @Test func clockSteppingBackNeverRepeatsOrDecreases() throws {
        let now = Atomic<Int64>(SnowflakeGeneratorTests.base)
        let generator = try SnowflakeGenerator(nodeID: 7, clock: { now.load(ordering: .relaxed) })
        var ids: [Int64] = []
        ids.reserveCapacity(200_000)
        for index in 0..<200_000 {
            if index % 100 == 0 { now.add(1, ordering: .relaxed) }
            if index == 100_000 { now.subtract(5_000, ordering: .relaxed) }  // NTP steps back 5 s
            ids.append(generator.next())
        }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set(ids).count == ids.count)
    }

    @Test func sequenceOverflowBorrowsTheNextMillisecondWithoutWaiting() throws {
        let generator = try SnowflakeGenerator(nodeID: 3, clock: { SnowflakeGeneratorTests.base })
        let ids = (0..<10_000).map { _ in generator.next() }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        let last = SnowflakeGenerator.components(of: ids[ids.count - 1])
        #expect(last.unixMilliseconds == SnowflakeGeneratorTests.base + 2)  // 10 000 ids = 3 ms of 4096
        #expect(last.sequence == 10_000 - 2 * 4096 - 1)
    }

    @Test func concurrentCallersGetUniqueIds() async throws {
        let generator = try SnowflakeGenerator(nodeID: 9)
        let all = await withTaskGroup(of: [Int64].self) { group in
            for _ in 0..<4 { group.addTask { (0..<20_000).map { _ in generator.next() } } }
            var merged: [Int64] = []
            for await part in group {
                #expect(zip(part, part.dropFirst()).allSatisfy { $0 < $1 })
                merged += part
            }
            return merged
        }
        #expect(Set(all).count == 80_000)
    }

    @Test(arguments: [-1, 1024, Int.max])
    func rejectsNodeIdsOutOfRange(_ node: Int) {
        #expect(throws: SnowflakeError.invalidNodeID) { try SnowflakeGenerator(nodeID: node) }
    }
}
