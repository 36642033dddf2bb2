import Foundation
import GossipKVNode
import GossipKVRESP
import Prometheus
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The node's HTTP endpoint, spoken to over a raw socket as a scraper or a probe would.
@Suite("the metrics endpoint", .serialized)
struct MetricsEndpointTests {
    /// A node on loopback with RESP off and metrics on a free port, feeding its own registry
    /// (so the test needs no process-wide `MetricsSystem`).
    static func node(_ name: String, seeds: [String] = []) async throws -> Node {
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        var configuration = NodeConfiguration(
            name: name, identity: try NodeIdentity.open(name: name, now: now))
        configuration.bindHost = "127.0.0.1"
        configuration.gossipPort = 0
        configuration.multicast = nil
        configuration.resp = nil
        configuration.seeds = seeds
        let registry = PrometheusCollectorRegistry()
        configuration.metricsFactory = PrometheusMetricsFactory(registry: registry)
        configuration.metricsServer = MetricsServerConfiguration(
            host: "127.0.0.1", port: 0, registry: registry)
        return try await Node(configuration)
    }

    static func withRunning(_ node: Node, _ body: () async throws -> Void) async throws {
        let task = Task { try await node.run() }
        defer { task.cancel() }
        do {
            try await body()
        } catch {
            await node.shutdown()
            _ = await task.result
            throw error
        }
        await node.shutdown()
        _ = await task.result
    }

    @Test("/metrics shows the node's gauges and counts a write")
    func metricsAfterWrite() async throws {
        let node = try await Self.node("m1")
        let port = try #require(node.metricsPort)
        try await Self.withRunning(node) {
            let before = try await HTTPProbe.request(port: port, path: "/metrics")
            #expect(before.status == 200)
            #expect(before.headers.contains { $0.hasPrefix("content-type: text/plain; version=0.0.4") })
            #expect(before.body.contains("gossipkv_keys{node=\"m1\"} 0"))
            #expect(before.body.contains("gossipkv_members{node=\"m1\",state=\"alive\"} 1"))
            try await node.put("a", "1")
            try await node.put("b", "2")
            let after = try await HTTPProbe.request(port: port, path: "/metrics")
            #expect(after.body.contains("# TYPE gossipkv_local_writes_total counter"))
            #expect(after.body.contains("gossipkv_local_writes_total{node=\"m1\"} 2"))
            #expect(after.body.contains("gossipkv_keys{node=\"m1\"} 2"))
        }
    }

    @Test(
        "/health and /ready answer 200 for a serving node with no peers to find; unknown paths 404, POST 405")
    func probes() async throws {
        let node = try await Self.node("m2")
        let port = try #require(node.metricsPort)
        let starting = try await HTTPProbe.request(port: port, path: "/health")
        #expect(starting.status == 503)
        #expect(starting.body == "starting\n")
        try await Self.withRunning(node) {
            #expect(try await HTTPProbe.request(port: port, path: "/health").status == 200)
            let ready = try await HTTPProbe.request(port: port, path: "/ready")
            #expect(ready.status == 200)
            #expect(ready.body.hasPrefix("ready"))
            #expect(try await HTTPProbe.request(port: port, path: "/metrics?name[]=x").status == 200)
            let missing = try await HTTPProbe.request(port: port, path: "/nope")
            #expect(missing.status == 404)
            #expect(missing.body.contains("/metrics"))
            let post = try await HTTPProbe.request(port: port, path: "/metrics", method: "POST")
            #expect(post.status == 405)
            #expect(post.headers.contains("allow: get, head"))
            let head = try await HTTPProbe.request(port: port, path: "/metrics", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test("/ready is 503 while a node with seeds has met no one (within the grace period), /health 200")
    func notReadyWithoutPeers() async throws {
        // A seed nobody answers at: the node keeps looking for up to 5 s.
        let node = try await Self.node("m3", seeds: ["127.0.0.1:9"])
        let port = try #require(node.metricsPort)
        try await Self.withRunning(node) {
            #expect(try await HTTPProbe.request(port: port, path: "/health").status == 200)
            let ready = try await HTTPProbe.request(port: port, path: "/ready")
            #expect(ready.status == 503)
            #expect(ready.body.hasPrefix("waiting for another member"))
        }
    }

    @Test("/ready turns 200 once another member is alive")
    func readyWithPeer() async throws {
        let first = try await Self.node("m4")
        let second = try await Self.node("m5", seeds: ["127.0.0.1:\(first.gossipPort)"])
        let port = try #require(second.metricsPort)
        try await Self.withRunning(first) {
            try await Self.withRunning(second) {
                let deadline = Date().addingTimeInterval(4)
                var status = 0
                while Date() < deadline {
                    status = try await HTTPProbe.request(port: port, path: "/ready").status
                    if status == 200 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(status == 200)
            }
        }
    }

    @Test("a second node cannot take a metrics port in use: init fails with a message naming the flag")
    func portInUse() async throws {
        let node = try await Self.node("m6")
        let port = try #require(node.metricsPort)
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        var configuration = NodeConfiguration(
            name: "m7", identity: try NodeIdentity.open(name: "m7", now: now))
        configuration.bindHost = "127.0.0.1"
        configuration.gossipPort = 0
        configuration.multicast = nil
        configuration.resp = nil
        configuration.metricsServer = MetricsServerConfiguration(
            host: "127.0.0.1", port: port, registry: PrometheusCollectorRegistry())
        do {
            _ = try await Node(configuration)
            Issue.record("expected the bind to fail")
        } catch let error as MetricsServerError {
            #expect("\(error)".contains("--metrics-port"))
        }
        await node.shutdown()
    }
}

/// A one-request HTTP/1.1 client over a POSIX socket (no URLSession), on its own thread so a
/// blocking read never holds a thread of Swift's cooperative pool.
enum HTTPProbe {
    struct Response: Sendable {
        var status: Int
        /// Header lines, lowercased.
        var headers: [String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func request(port: Int, path: String, method: String = "GET") async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result { try blockingRequest(port: port, path: path, method: method) })
            }.start()
        }
    }

    private static func blockingRequest(port: Int, path: String, method: String) throws -> Response {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(descriptor) }
        // Generous: a loaded 2-core CI machine once left a scrape unanswered for 30 s.
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
            throw Failure(description: "send: \(errno)")
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while received.count < 4 << 20 {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count > 0 {
                received += chunk.prefix(count)
            } else if count == 0 {
                break
            } else {
                throw Failure(description: "recv: \(errno)")
            }
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            throw Failure(description: "no header end in \(text)")
        }
        let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "status line \(head)")
        }
        return Response(
            status: status, headers: head.dropFirst().map { $0.lowercased() },
            body: String(text[split.upperBound...]))
    }
}
