import Foundation

/// A throwaway LAN made of network namespaces, for tests that need real multicast without any
/// packet leaving the machine: one "switch" namespace holding a bridge, and one namespace per
/// host, each joined to the bridge by a veth pair (`eth0` inside, 10.77.N.x/24). Partitions are
/// made by taking a host's switch port down. Everything is deleted by `tearDown()` (and the
/// namespaces' deletion takes the veths with them). Needs root; `isAvailable` says whether it can run.
final class NetworkLab: @unchecked Sendable {
    let prefix: String
    let subnet: Int
    private(set) var hosts: [String] = []
    private var segments: Set<Int> = []
    private var switchNamespace: String { "\(prefix)sw" }

    static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
    }

    static var unavailableReason: String {
        "network-namespace tests need root and iproute2 (`ip`); skipped"
    }

    /// - Parameter hostCount: hosts on the LAN, named `<prefix>h0`, `<prefix>h1`, ...
    init(hostCount: Int) throws {
        // Distinct for every lab of this process (labs of two suites run at once; a random
        // draw alone once gave two of them the same names), and apart from other processes'.
        let unique = (Int(getpid()) * 31 + Self.labsMade.next() * 1_009 + Int.random(in: 0..<1_000)) % 100_000
        prefix = "gkv\(unique)"
        subnet = 1 + unique % 250
        try run(["ip", "netns", "add", switchNamespace])
        try run(["ip", "netns", "exec", switchNamespace, "ip", "link", "add", "br0", "type", "bridge"])
        try run(["ip", "netns", "exec", switchNamespace, "ip", "link", "set", "br0", "up"])
        try run(["ip", "netns", "exec", switchNamespace, "ip", "link", "set", "lo", "up"])
        for index in 0..<hostCount { try addHost(index) }
    }

    private func addHost(_ index: Int) throws {
        let host = "\(prefix)h\(index)"
        let inner = "\(prefix)i\(index)"
        let outer = "\(prefix)p\(index)"
        try run(["ip", "netns", "add", host])
        hosts.append(host)
        try run(["ip", "link", "add", inner, "type", "veth", "peer", "name", outer])
        try run(["ip", "link", "set", inner, "netns", host])
        try run(["ip", "link", "set", outer, "netns", switchNamespace])
        try exec(host, ["ip", "link", "set", inner, "name", "eth0"])
        try exec(host, ["ip", "addr", "add", "\(address(of: index))/24", "dev", "eth0"])
        try exec(host, ["ip", "link", "set", "eth0", "multicast", "on"])
        try exec(host, ["ip", "link", "set", "eth0", "up"])
        try exec(host, ["ip", "link", "set", "lo", "up"])
        try exec(switchNamespace, ["ip", "link", "set", outer, "master", "br0"])
        try exec(switchNamespace, ["ip", "link", "set", outer, "multicast", "on"])
        try exec(switchNamespace, ["ip", "link", "set", outer, "up"])
    }

    func address(of index: Int) -> String { "10.77.\(subnet).\(index + 1)" }

    /// Cuts host `index` off the LAN (its switch port goes down), or reconnects it.
    func setConnected(_ index: Int, _ connected: Bool) throws {
        try exec(switchNamespace, ["ip", "link", "set", "\(prefix)p\(index)", connected ? "up" : "down"])
    }

    /// Moves host `index`'s switch port to bridge `segment` of the switch (0 is the LAN every
    /// host starts on; others are made on first use): hosts on different segments cannot reach
    /// each other, hosts on one segment can. Moving every port back to 0 heals the split.
    func setSegment(_ index: Int, _ segment: Int) throws {
        let bridge = "br\(segment)"
        if segment != 0 && !segments.contains(segment) {
            try exec(switchNamespace, ["ip", "link", "add", bridge, "type", "bridge"])
            try exec(switchNamespace, ["ip", "link", "set", bridge, "up"])
            segments.insert(segment)
        }
        try exec(switchNamespace, ["ip", "link", "set", "\(prefix)p\(index)", "master", bridge])
    }

    /// Drops `percent` % of the packets host `index` receives on its LAN port (an nftables table
    /// `gkvloss` in the host's namespace: this kernel has no netem); 0 removes the table.
    /// Loopback (the host's own RESP clients) is never touched.
    func setLoss(_ index: Int, percent: Int) throws {
        let host = hosts[index]
        _ = try? exec(host, ["nft", "delete", "table", "inet", "gkvloss"])
        guard percent > 0 else { return }
        try exec(host, ["nft", "add", "table", "inet", "gkvloss"])
        try exec(
            host,
            ["nft", "add chain inet gkvloss input { type filter hook input priority 0 ; policy accept ; }"])
        try exec(
            host, ["nft", "add rule inet gkvloss input iifname eth0 numgen random mod 100 < \(percent) drop"])
    }

    static var hasNftables: Bool {
        ["/usr/sbin/nft", "/sbin/nft"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `arguments` inside host `index`'s namespace; output goes to `log`.
    func spawn(on index: Int, _ arguments: [String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", hosts[index]] + arguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    func exec(_ namespace: String, _ arguments: [String]) throws {
        try run(["ip", "netns", "exec", namespace] + arguments)
    }

    func tearDown() {
        for index in hosts.indices { _ = try? setLoss(index, percent: 0) }
        for host in hosts { _ = try? run(["ip", "netns", "del", host]) }
        _ = try? run(["ip", "netns", "del", switchNamespace])
        hosts.removeAll()
    }

    deinit { tearDown() }

    enum LabError: Error, CustomStringConvertible {
        case commandFailed([String], Int32, String)
        var description: String {
            switch self {
            case let .commandFailed(arguments, status, output):
                return "`\(arguments.joined(separator: " "))` exited with \(status): \(output)"
            }
        }
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LabError.commandFailed(arguments, process.terminationStatus, output)
        }
        return output
    }
}

extension NetworkLab {
    /// Counts the labs this process made (`init`: each gets other namespace names).
    static let labsMade = LabCounter()
}

/// A thread-safe counter: labs are made from concurrently running suites.
final class LabCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
