import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Why multicast could not start; the node logs it and carries on with static seeds.
public enum MulticastError: Error, CustomStringConvertible {
    case noUsableInterface(requested: String?)
    case notIPv4Group(String)

    public var description: String {
        switch self {
        case let .noUsableInterface(requested?):
            return "interface '\(requested)' is not an up, multicast-capable IPv4 interface; "
                + "pick one from `ip -4 addr`, or use --no-multicast with --join HOST:PORT"
        case .noUsableInterface(nil):
            return "no up, multicast-capable IPv4 interface; use --join HOST:PORT seeds instead"
        case let .notIPv4Group(group):
            return "multicast group \(group) is not an IPv4 address"
        }
    }
}

/// Multicast discovery sockets: one receiver bound to the group port and joined to the group on
/// every chosen interface, and one sender per interface (the kernel sends a multicast datagram
/// out of one interface only, chosen by IP_MULTICAST_IF). Loopback delivery stays on, so nodes
/// on one host (or one namespace) hear each other; TTL defaults to 1 so nothing leaves the LAN.
public final class MulticastSocket: Sendable {
    public let interfaces: [String]
    /// The IPv4 address of each joined interface, in the same order.
    public let interfaceAddresses: [String]
    private let receiver: any Channel
    private let senders: [any Channel]
    private let group: SocketAddress

    /// Interfaces a node joins on when none is configured: IPv4, multicast-capable. (A join on a
    /// down interface fails and that interface is skipped.)
    public static func candidateDevices(named requested: String?) throws -> [NIONetworkDevice] {
        let devices = try System.enumerateDevices().filter { device in
            guard device.multicastSupported, case .v4 = device.address else { return false }
            return requested == nil || device.name == requested
        }
        return devices
    }

    public static func start(
        groupAddress: String, port: Int, interface requested: String?, ttl: UInt8,
        eventLoopGroup: any EventLoopGroup, continuation: AsyncStream<InboundPacket>.Continuation
    ) async throws -> MulticastSocket {
        let group = try SocketAddress(ipAddress: groupAddress, port: port)
        guard case .v4 = group else { throw MulticastError.notIPv4Group(groupAddress) }
        let receiver = try await DatagramBootstrap(group: eventLoopGroup)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DatagramForwarder(channel: .multicast, continuation: continuation))
                }
            }
            .bind(host: "0.0.0.0", port: port).get()
        var joined: [String] = []
        var addresses: [String] = []
        var senders: [any Channel] = []
        for device in try candidateDevices(named: requested) {
            guard let multicast = receiver as? MulticastChannel,
                case let .v4(address) = device.address
            else { continue }
            do {
                try await multicast.joinGroup(group, device: device).get()
                let sender = try await DatagramBootstrap(group: eventLoopGroup).bind(host: "0.0.0.0", port: 0)
                    .get()
                if let options = sender as? SocketOptionProvider {
                    try await options.setIPMulticastIF(address.address.sin_addr).get()
                    try await options.setIPMulticastTTL(ttl).get()
                    try await options.setIPMulticastLoop(1).get()
                }
                senders.append(sender)
                joined.append(device.name)
                addresses.append(device.address?.ipAddress ?? "")
            } catch {
                continue
            }
        }
        guard !joined.isEmpty else {
            try? await receiver.close()
            for sender in senders { try? await sender.close() }
            throw MulticastError.noUsableInterface(requested: requested)
        }
        return MulticastSocket(
            interfaces: joined, interfaceAddresses: addresses, receiver: receiver, senders: senders,
            group: group)
    }

    private init(
        interfaces: [String], interfaceAddresses: [String], receiver: any Channel, senders: [any Channel],
        group: SocketAddress
    ) {
        self.interfaces = interfaces
        self.interfaceAddresses = interfaceAddresses
        self.receiver = receiver
        self.senders = senders
        self.group = group
    }

    /// Sends one datagram to the group on every joined interface.
    public func announce(_ bytes: [UInt8]) {
        for sender in senders {
            let buffer = sender.allocator.buffer(bytes: bytes)
            sender.writeAndFlush(AddressedEnvelope(remoteAddress: group, data: buffer), promise: nil)
        }
    }

    public func close() async {
        try? await receiver.close()
        for sender in senders { try? await sender.close() }
    }
}
