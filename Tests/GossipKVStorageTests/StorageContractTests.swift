import GossipKVStorage
import Testing

@Suite("storage configuration")
struct StorageContractTests {
    @Test("batch is the default fsync policy")
    func defaultPolicy() {
        #expect(StorageConfiguration(directory: "/tmp/x").fsync == .batch)
    }
}
