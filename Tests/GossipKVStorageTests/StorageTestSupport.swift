import Foundation
import GossipKVCore
import PropertyBased

@testable import GossipKVStorage

/// Generators and fixtures shared by the storage tests.
enum StorageTestData {
    static let origins = [NodeID(high: 1, low: 1), NodeID(high: 2, low: 2), NodeID(high: 3, low: 3)]

    /// Entries with small keys (so that some collide), values, tombstones and expiries.
    static let entry = zip(
        Gen.uint8(in: 0...15).array(of: 0...3),
        Gen.uint8().array(of: 0...40).optional(valueRate: 0.8),
        Gen.uint64(in: 1...(1 << 50)),
        Gen.int(in: 0...2),
        Gen.uint64(in: 1...(1 << 50)).optional(valueRate: 0.3)
    ).map { key, value, timestamp, origin, expiry in
        Entry(
            key: key, value: value, timestamp: HLCTimestamp(rawValue: timestamp), origin: origins[origin],
            expiry: expiry.map { HLCTimestamp(rawValue: $0) })
    }

    static let digest = zip(Gen.uint64(in: 0...9_999), Gen.uint64(in: 0...9_999), Gen.uint64(in: 0...9_999))
        .map {
            a, b, c in
            Digest([
                origins[0]: HLCTimestamp(rawValue: a), origins[1]: HLCTimestamp(rawValue: b),
                origins[2]: HLCTimestamp(rawValue: c),
            ])
        }

    static let record = Gen.oneOf(
        entry.map { LogRecord.entry($0) },
        digest.map { LogRecord.watermarks($0) },
        Gen.uint64().map { LogRecord.clockCeiling(HLCTimestamp(rawValue: $0)) },
        entry.map { LogRecord.removal(EntryRemoval(of: $0)) })

    /// A fixed entry: key `k<i % keys>`, value `v<i>`, timestamp `1000 + i`.
    static func sample(_ index: Int, keys: Int = 1_000_000) -> Entry {
        Entry(
            key: Array("k\(index % keys)".utf8), value: index % 7 == 3 ? nil : Array("v\(index)".utf8),
            timestamp: HLCTimestamp(physical: 1_000 + UInt64(index)), origin: origins[index % 3])
    }

    /// The state a sequence of records stands for: entries merged, removals dropping the write
    /// they name if it is still held, the last watermarks, the largest ceiling. What recovery must give back.
    static func replay(
        _ records: some Sequence<LogRecord>, into map: LWWMap = LWWMap(), digest: Digest = Digest(),
        ceiling: HLCTimestamp = .zero
    )
        -> (map: LWWMap, digest: Digest, ceiling: HLCTimestamp)
    {
        var result = (map: map, digest: digest, ceiling: ceiling)
        for record in records {
            switch record {
            case .entry(let entry): result.map.merge(entry)
            case .watermarks(let digest): result.digest = digest
            case .clockCeiling(let ceiling): result.ceiling = max(result.ceiling, ceiling)
            case .removal(let removal):
                if let held = result.map.entry(forKey: removal.key), held.timestamp == removal.timestamp,
                    held.origin == removal.origin
                {
                    result.map.remove(held)
                }
            }
        }
        return result
    }
}

/// A fresh directory under the system's temporary directory, deleted on deinit.
final class TemporaryDirectory {
    let path: String

    init() {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gossipkv-storage-XXXXXX"
        ).path
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func read(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: file(name)) ?? Data())
    }

    func write(_ name: String, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
    }

    var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func configuration(fsync: FsyncPolicy = .never, repair: Bool = false) -> StorageConfiguration {
        var configuration = StorageConfiguration(directory: path)
        configuration.fsync = fsync
        configuration.repair = repair
        return configuration
    }
}

extension LogRecord {
    /// The records of `entries`, with watermarks after every fourth and a ceiling after every
    /// fifth, as a node logs them.
    static func mixed(_ count: Int) -> [LogRecord] {
        var records: [LogRecord] = []
        for index in 0..<count {
            records.append(.entry(StorageTestData.sample(index, keys: 5)))
            if index % 4 == 3 {
                records.append(
                    .watermarks(
                        Digest([
                            StorageTestData.origins[index % 3]: HLCTimestamp(physical: 1_000 + UInt64(index))
                        ])))
            }
            if index % 5 == 4 { records.append(.clockCeiling(HLCTimestamp(physical: 5_000 + UInt64(index)))) }
        }
        return records
    }
}

extension Storage {
    /// `Storage.open`, waiting out a lock that only a process this test process is spawning holds:
    /// between `clone` and `exec` a child shares our open file descriptions, flock included, and
    /// other suites spawn processes in parallel. A lock held by a real second opener outlives the
    /// wait (1 s) and still fails the test.
    static func openForTest(_ configuration: StorageConfiguration, limits: Limits = .standard)
        throws(StorageError) -> (Storage, RecoveredState)
    {
        var attempts = 0
        while true {
            do {
                return try Storage.open(configuration, limits: limits)
            } catch {
                guard case .locked(_, let holder) = error, holder == getpid(), attempts < 50 else {
                    throw error
                }
                attempts += 1
                usleep(20_000)
            }
        }
    }
}
