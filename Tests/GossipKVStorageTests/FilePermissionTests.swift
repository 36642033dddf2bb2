import Foundation
import GossipKVCore
import Testing

@testable import GossipKVStorage

/// The data directory holds every key and value: other local users must not read it.
@Suite("storage file permissions")
struct FilePermissionTests {
    static func mode(_ path: String) -> UInt32? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return UInt32(status.st_mode) & 0o777
    }

    @Test(
        "the data directory (and a missing parent) is created 0700; log, snapshot, epoch and lock files 0600")
    func privateModes() async throws {
        let root = TemporaryDirectory()
        let parent = root.path + "/var-lib-gossipkv"
        let directory = parent + "/node1"
        var configuration = StorageConfiguration(directory: directory)
        configuration.fsync = .never
        configuration.segmentBytes = 200
        // A permissive umask must not loosen them either.
        let previousMask = umask(0)
        defer { umask(previousMask) }
        let (storage, _) = try Storage.openForTest(configuration)
        var map = LWWMap()
        for index in 0..<20 {
            let entry = StorageTestData.sample(index)
            map.merge(entry)
            try storage.append(entry)
        }
        try await storage.beginSnapshot(SnapshotState(map: map, digest: Digest(), clockCeiling: .zero)).value
        try storage.close()
        let (reopened, recovered) = try Storage.openForTest(configuration)
        #expect(recovered.map.count == 20)
        try reopened.close()

        #expect(Self.mode(parent) == 0o700)
        #expect(Self.mode(directory) == 0o700)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(names.contains { $0.hasSuffix(".snap") }, "no snapshot among \(names)")
        #expect(names.filter { $0.hasSuffix(".wal") }.count >= 1, "no log segments among \(names)")
        #expect(names.count > 3)
        for name in names {
            #expect(Self.mode(directory + "/" + name) == 0o600, "\(name) is not 0600")
        }
    }
}
