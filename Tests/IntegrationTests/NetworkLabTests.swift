import Foundation
import TestSupport
import Testing

@Suite("network namespaces for tests", .ownThreads, .serialized)
struct NetworkLabTests {
    @Test(
        "hosts on the lab LAN reach each other, a cut host does not, and teardown removes everything",
        .enabled(if: NetworkLab.isAvailable, "\(NetworkLab.unavailableReason)"))
    func labWorks() throws {
        let lab = try NetworkLab(hostCount: 2)
        defer { lab.tearDown() }
        try lab.exec(lab.hosts[0], ["ping", "-c", "1", "-W", "2", lab.address(of: 1)])
        try lab.setConnected(1, false)
        #expect(throws: (any Error).self) {
            try lab.exec(lab.hosts[0], ["ping", "-c", "1", "-W", "1", lab.address(of: 1)])
        }
        let prefix = lab.prefix
        lab.tearDown()
        let remaining = try lab.run(["ip", "netns", "list"])
        #expect(!remaining.contains(prefix))
    }
}
