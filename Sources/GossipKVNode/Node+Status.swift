import GossipKVCore
import NIOCore
import NIOPosix

/// One row of `Node.members()`.
public struct MemberInfo: Sendable, Equatable {
    public var id: NodeID
    /// From the member's certificate; empty when we have not seen it yet.
    public var name: String
    public var state: Member.State
    public var address: MemberAddress
    public var incarnation: UInt64
    /// Milliseconds since we last heard from it; nil for never (or for this node).
    public var lastHeardMillisecondsAgo: UInt64?
    public var isSelf: Bool
}

/// What `Node.status()` reports.
public struct NodeStatus: Sendable {
    public struct PeerLag: Sendable, Equatable {
        public var id: NodeID
        /// Entries we hold above the peer's last digest.
        public var entriesBehind: Int
        /// Largest watermark gap, in milliseconds.
        public var millisecondsBehind: UInt64
    }

    public var id: NodeID
    public var name: String
    /// Entries held, tombstones and expired entries included.
    public var entries: Int
    public var stateHash: UInt64
    public var hlc: HLCTimestamp
    public var digest: Digest
    public var peers: [PeerLag]
    /// This run's data epoch: 0 until the node's first possible loss of data, then a new random
    /// one after each (see `ReplicaStart`).
    public var dataEpoch: UInt64 = 0
    /// The origin this run's writes carry: `NodeID.origin(node: id, epoch: dataEpoch)`.
    public var origin: NodeID
    /// Non-nil while this node refuses writes because its clock runs ahead of most peers.
    public var clockFence: ClockFence?
}

extension Node {
    public func members() -> [MemberInfo] {
        let now = WallClock.nowMilliseconds()
        return core.members.map { member in
            MemberInfo(
                id: member.id, name: verifier.senders[member.id]?.name ?? "", state: member.state,
                address: member.address, incarnation: member.incarnation,
                lastHeardMillisecondsAgo: member.id == id
                    ? nil : member.lastHeardAt.map { now > $0 ? now - $0 : 0 },
                isSelf: member.id == id)
        }
    }

    public func status() -> NodeStatus {
        let peers = engine.peers.compactMap { peer -> NodeStatus.PeerLag? in
            guard let lag = engine.lag(of: peer) else { return nil }
            return NodeStatus.PeerLag(
                id: peer, entriesBehind: lag.entries, millisecondsBehind: lag.milliseconds)
        }
        return NodeStatus(
            id: id, name: name, entries: engine.replica.map.count, stateHash: engine.replica.map.stateHash,
            hlc: engine.replica.clock.last, digest: engine.replica.digest, peers: peers,
            dataEpoch: engine.replica.epoch, origin: engine.replica.origin,
            clockFence: engine.clockFence(now: WallClock.nowMilliseconds()))
    }

    /// Chooses the advertised address: the configured one; the bind address when specific; the
    /// first multicast interface's address; the local address of the route to the first seed;
    /// the first non-loopback IPv4 interface; 127.0.0.1.
    static func advertisedHost(
        configuration: NodeConfiguration, multicast: MulticastSocket?, seeds: [SocketAddress],
        group: any EventLoopGroup
    ) async throws -> MemberAddress.Host {
        var text =
            configuration.advertisedHost
            ?? (configuration.bindHost != "0.0.0.0"
                ? configuration.bindHost : multicast?.interfaceAddresses.first)
        if text == nil, let seed = seeds.first {
            text = await localAddress(towards: seed, group: group)
        }
        if text == nil {
            text =
                (try? System.enumerateDevices())?.first { device in
                    guard case .v4 = device.address, let ip = device.address?.ipAddress else { return false }
                    return !ip.hasPrefix("127.")
                }?.address?.ipAddress
        }
        let target = HostPort(host: text ?? "127.0.0.1", port: 1)
        let socket: SocketAddress
        do {
            // A name (`--advertise node1.lan`) is resolved once; its first IPv4 address is what
            // peers are told.
            guard let first = try await SeedResolver.resolve(target).first else {
                throw HostPort.ParseError.invalid(target.host)
            }
            socket = first
        } catch {
            throw HostPort.ParseError.invalid("\(target.host) (\(error))")
        }
        guard let address = MemberAddress(socketAddress: socket, gossipPort: 0, clientPort: 0) else {
            throw HostPort.ParseError.invalid(text ?? "127.0.0.1")
        }
        return address.host
    }

    /// The source address the kernel would use to reach `destination` (a connected UDP socket's
    /// local address; nothing is sent).
    static func localAddress(towards destination: SocketAddress, group: any EventLoopGroup) async -> String? {
        guard let channel = try? await DatagramBootstrap(group: group).connect(to: destination).get() else {
            return nil
        }
        let address = channel.localAddress?.ipAddress
        try? await channel.close()
        return address
    }
}

extension Node {
    /// Inbound gossip streams open now: waiting for their handshake, and authenticated (also
    /// what `StreamLimits` caps).
    public nonisolated var gossipStreamCounts: (pending: Int, established: Int) {
        transport.inboundStreamCounts
    }
}
