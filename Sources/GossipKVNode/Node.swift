import GossipKVCore
import GossipKVCrypto
import GossipKVRESP
import GossipKVStorage
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A running GossipKV node: the pure core (`NodeCore`: `GossipEngine` and `Membership` composed)
/// on real sockets and storage.
///
/// Embed it in your own Swift server:
/// ```swift
/// let node = try await Node(configuration)
/// try await node.put("a", "5")          // returns after the local apply (and, with fsync
///                                        // `always`, the log's fsync); never waits for the network
/// await node.get("a")                    // "5"
/// for await change in node.changes { … } // local and replicated changes
/// ```
/// and run it in a `ServiceGroup` (`run()` serves until graceful shutdown, then announces its
/// leave and closes its sockets).
public actor Node: Service {
    public nonisolated let id: NodeID
    public nonisolated let name: String
    public nonisolated let configuration: NodeConfiguration
    public nonisolated let logger: Logger
    public nonisolated let metrics: NodeMetrics
    /// The gossip address other nodes reach this one at.
    public nonisolated let advertisedAddress: MemberAddress
    /// The port the gossip sockets are bound to (differs from the configuration when it was 0).
    public nonisolated let gossipPort: Int
    /// The Redis-protocol port (bound), or nil when the node serves no RESP clients.
    public nonisolated let respPort: Int?
    let respServer: RESPServer?
    /// The metrics endpoint's port (bound), or nil when it is off.
    public nonisolated let metricsPort: Int?
    let metricsServer: MetricsServer?
    /// When `run()` began serving; nil before (for `/ready`).
    var servingSince: UInt64?

    /// The composition of engine and membership (`NodeCore`); this actor carries out its
    /// directives.
    var core: NodeCore
    /// The core's anti-entropy engine, read-only: every input goes through `core`.
    var engine: GossipEngine { core.engine }
    var opener: EnvelopeOpener
    /// The admitted senders; every change is copied to the transport, which checks stream
    /// handshakes against it.
    var verifier: CertificateVerifier {
        didSet { transport.updateStreamVerifier(verifier) }
    }
    /// What may be spent on authenticator checks, per lane and in all (`Node+Inbound.swift`).
    var verificationBudget = VerificationBudget<VerificationLane>()
    let signer: Ed25519Signer
    /// The data keys gossip is sealed with (shared with the transport's streams); empty inside
    /// for an open cluster, which sends in clear (`Node+Keyring.swift`).
    public nonisolated let keyring: SharedKeyring
    let certificateBytes: [UInt8]
    let bootEpoch: HLCTimestamp
    /// The last stream send queued per address: the next one waits for it (`sendSealed`).
    var streamSends: [SocketAddress: Task<Void, Never>] = [:]
    /// Bytes queued on each address's stream chain and not yet written (`sendSealed`).
    var streamBacklog: [SocketAddress: Int] = [:]
    /// Local writes applied in this turn of the event loop, logged at its end, and the replies
    /// waiting for that (`Node+DeferredLog.swift`).
    var unloggedWrites: [Entry] = []
    var unloggedWriteWaiters: [@Sendable (Bool) -> Void] = []
    let transport: GossipTransport
    let multicast: MulticastSocket?
    /// The static seeds as configured (`--join`), and the addresses they resolve to now; names
    /// are looked up again with each announcement (`Node+Discovery.swift`).
    let seedTargets: [HostPort]
    var seeds: [SocketAddress]
    var seedLookupRunning = false
    let eventLoopGroup: any EventLoopGroup
    /// The event loop this actor runs on, and the one its Redis clients are served on: a
    /// pipelined batch of plain GETs and SETs then runs inside the actor straight from the
    /// connection's read, with no thread hop there or back (`NodeRESPBackend.performNow`).
    nonisolated let homeLoop: any EventLoop
    let feed = ChangeFeed()
    /// Deadlines still to pass, for `expired` changes (Node+Expiry.swift).
    var expiryWatch = ExpiryWatch()

    var scheduledTickAt = UInt64.max
    var tickTask: Task<Void, Never>?
    var nextAnnounceAt: UInt64
    var announcementsSent = 0
    var random: SplitMix64
    /// When we last sent our announcement to an address (to ask a stranger for its certificate),
    /// so one unknown sender cannot make us answer every packet.
    var introducedAt: [SocketAddress: UInt64] = [:]
    /// Announcements cost a certificate and a signature check each, whoever sends them: a budget
    /// per source host and one in all (`Node+Discovery.swift`).
    var announcementBudget = SourceRateLimiter<SocketAddress?>(rates: Node.announcementRates)
    var isShuttingDown = false
    /// When we last opened a round with each peer, for the sync-duration timer.
    var roundStartedAt: [NodeID: UInt64] = [:]
    var socketsClosed = false
    var closing: Task<Void, Never>?
    /// The data directory's state; nil for an in-memory node.
    var durability: NodeDurability?
    /// This run's data epoch (see `ReplicaStart`).
    let epoch: UInt64
    /// Revoked nodes, their known epochs, and the epochs every node announced (`Revocation/`).
    var revocationBook = RevocationBook()
    /// No local write before this (wall milliseconds): a persistent identity without a data
    /// directory waits out the max clock offset so it never reuses a timestamp of its last run.
    let firstWriteNotBefore: UInt64

    /// Recovers the data directory (when configured), then binds the sockets and starts
    /// discovery; serving starts with `run()`. A recovered node restarts its clock above the
    /// persisted HLC ceiling, so it never reuses a timestamp of its previous run even if the wall
    /// clock went back; a persistent identity without a data directory instead waits out the max
    /// clock offset before its first write (DESIGN, "Data model and ordering").
    public init(
        _ configuration: NodeConfiguration, logger: Logger? = nil, eventLoopGroup: (any EventLoopGroup)? = nil
    )
        async throws
    {
        Sodium.ensureInitialized()
        // A bad revocation list (configured, or kept in the data directory) stops the node before
        // it binds anything.
        let authority = configuration.identity.authority
        _ = try configuration.revocations.verified(authority: authority)
        let kept = try configuration.storage.map { storage throws(RevocationError) in
            try RevocationFiles.load(directory: storage.directory, authority: authority)
        }
        var revocationBook = RevocationBook()
        for revocation in configuration.revocations.revocations + (kept?.revocations ?? []) {
            guard revocation.nodeID != configuration.identity.nodeID else {
                throw RevocationError.selfRevoked(node: configuration.identity.nodeID)
            }
            _ = revocationBook.add(revocation)
        }
        for claim in kept?.claims ?? [] { _ = revocationBook.add(claim) }
        let revokedAtStart = revocationBook.revokedNodes
        var logger = logger ?? Logger(label: "gossipkv.node")
        logger[metadataKey: "node"] = "\(configuration.name)"
        self.logger = logger
        self.configuration = configuration
        self.name = configuration.name
        self.id = configuration.identity.nodeID
        self.metrics = NodeMetrics(nodeName: configuration.name, factory: configuration.metricsFactory)
        let group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        self.eventLoopGroup = group
        let homeLoop = group.next()
        self.homeLoop = homeLoop
        let limits = configuration.gossip.limits

        let opened = try configuration.storage.map { storage throws(NodeStartError) in
            try Self.openStorage(storage, limits: limits, logger: logger)
        }
        let keyring: SharedKeyring
        do {
            keyring = SharedKeyring(try Self.startingKeyring(configuration, logger: logger))
        } catch {
            try? opened?.0.close()
            throw error
        }
        self.keyring = keyring
        let disk: ReplicaStart.Disk
        if let recovered = opened?.1 {
            disk =
                recovered.isFresh
                ? .fresh
                : .recovered(
                    ReplicaStart.Recovered(
                        map: recovered.map, digest: recovered.digest, clockCeiling: recovered.clockCeiling,
                        dataEpoch: recovered.dataEpoch,
                        possibleLosses: recovered.possibleLosses.map(\.description),
                        watermarksFrozen: recovered.possibleLosses.contains {
                            if case .repairCut = $0 { true } else { false }
                        }))
        } else {
            disk = .none
        }
        let start = ReplicaStart(
            id: configuration.identity.nodeID, identityIsPersistent: configuration.identity.isPersistent,
            disk: disk,
            limits: limits, maxClockOffsetMilliseconds: configuration.maxClockOffsetMilliseconds,
            physicalNow: WallClock.nowMilliseconds(), newEpoch: Self.randomEpoch(other:))
        let newEpochReason = start.newEpochReason
        let epoch = start.epoch
        if let (storage, recovered) = opened, recovered.isFresh || newEpochReason != nil {
            // Durable before anything is written under it. Until this succeeds the directory
            // cannot be closed as clean, so a start that fails here comes back under a new epoch.
            do {
                try storage.beginEpoch(epoch)
            } catch {
                try? storage.close()
                throw NodeStartError.storage(directory: storage.configuration.directory, error)
            }
        }
        self.firstWriteNotBefore = start.firstWriteNotBefore
        let transport: GossipTransport
        do {
            transport = try await GossipTransport.bind(
                host: configuration.bindHost, port: configuration.gossipPort,
                maxFrameBytes: limits.maxFrameBytes,
                group: group, streamLimits: configuration.streamLimits, metrics: metrics, keyring: keyring)
        } catch {
            try? opened?.0.close()
            throw error
        }
        self.transport = transport
        let boundPort = transport.localAddress?.port ?? configuration.gossipPort
        self.gossipPort = boundPort

        var multicastSocket: MulticastSocket?
        if let multicast = configuration.multicast {
            do {
                multicastSocket = try await MulticastSocket.start(
                    groupAddress: multicast.group, port: multicast.port, interface: multicast.interface,
                    ttl: multicast.ttl, eventLoopGroup: group, continuation: transport.continuation)
                logger.info(
                    "multicast discovery on \(multicast.group):\(multicast.port)",
                    metadata: ["discovery.interfaces": "\(multicastSocket?.interfaces ?? [])"])
            } catch {
                logger.warning("multicast discovery is off: \(error)")
            }
        }
        self.multicast = multicastSocket

        let respBackend = NodeRESPBackend()
        if let respConfiguration = configuration.resp {
            let server = RESPServer(
                configuration: respConfiguration, backend: respBackend, group: homeLoop, logger: logger)
            do {
                // Clients wait in the backlog until `attach` below: no reply before the store is there.
                let address = try await server.start(acceptingClients: false)
                self.respPort = address.port
            } catch {
                await multicastSocket?.close()
                await transport.close()
                try? opened?.0.close()
                throw error
            }
            self.respServer = server
        } else {
            self.respServer = nil
            self.respPort = nil
        }
        if let metricsConfiguration = configuration.metricsServer {
            let server = MetricsServer(configuration: metricsConfiguration, group: group, logger: logger)
            do {
                self.metricsPort = try await server.start().port
            } catch {
                await respServer?.stop()
                await multicastSocket?.close()
                await transport.close()
                try? opened?.0.close()
                throw error
            }
            self.metricsServer = server
        } else {
            self.metricsServer = nil
            self.metricsPort = nil
        }
        let seedTargets: [HostPort] = configuration.seeds.compactMap { seed in
            let parsed = try? HostPort(parsing: seed, defaultPort: 7377)
            if parsed == nil { logger.warning("ignoring seed '\(seed)': expected HOST:PORT") }
            return parsed
        }
        let (seeds, unresolved) = await SeedResolver.resolveAll(seedTargets)
        for failure in unresolved {
            logger.warning("seed not found yet, asking again with each announcement: \(failure)")
        }
        self.seedTargets = seedTargets
        self.seeds = seeds
        let host = try await Self.advertisedHost(
            configuration: configuration, multicast: multicastSocket, seeds: seeds, group: group)
        self.advertisedAddress = MemberAddress(
            host: host, gossipPort: UInt16(clamping: boundPort),
            clientPort: UInt16(clamping: respPort ?? configuration.clientPort))

        let now = WallClock.nowMilliseconds()
        var systemRandom = SystemRandomNumberGenerator()
        var random = SplitMix64(seed: systemRandom.next())
        self.epoch = epoch
        let replica = start.replica
        if let newEpochReason {
            let text =
                "writing as origin \(replica.origin) (new data epoch \(epoch)): \(newEpochReason); earlier writes "
                + "keep their origins and come back from peers"
            logger.notice(Logger.Message(stringLiteral: text), metadata: ["storage.epoch": "\(epoch)"])
        } else {
            logger.info(
                "writing as origin \(replica.origin) (data epoch \(epoch))",
                metadata: ["storage.epoch": "\(epoch)"])
        }
        // Recovered keys with a deadline still owe their `expired` event.
        var expiryWatch = ExpiryWatch()
        replica.map.forEachEntry { entry in if entry.expiry != nil { expiryWatch.track(entry) } }
        self.expiryWatch = expiryWatch
        var engine = GossipEngine(
            replica: replica, config: configuration.gossip, seed: random.next(), now: now)
        // The log's replay brought a revoked node's entries back: drop them before serving.
        for node in revokedAtStart { _ = engine.bar(revocationBook.origins(of: node), now: now) }
        self.revocationBook = revocationBook
        let bootEpoch = engine.replica.readTime(physical: now)
        self.bootEpoch = bootEpoch
        // Membership bounds incarnations by the same max offset the clock check uses.
        var membershipConfig = configuration.membership
        membershipConfig.maxClockOffsetMilliseconds = configuration.maxClockOffsetMilliseconds
        var membership = Membership(
            localID: configuration.identity.nodeID, localAddress: advertisedAddress, bootEpoch: bootEpoch,
            config: membershipConfig, seed: random.next(), now: now)
        for node in revokedAtStart { _ = membership.exclude(node) }
        let signer = Ed25519Signer(keyPair: configuration.identity.keyPair)
        let framing = OutboundFraming(
            cluster: configuration.identity.clusterID.rawValue, sender: configuration.identity.nodeID,
            bootEpoch: bootEpoch, authenticatorLength: signer.authenticatorLength, limits: limits,
            sealOverhead: keyring.overhead)
        self.core = NodeCore(engine: engine, membership: membership, framing: framing)
        self.opener = EnvelopeOpener(
            cluster: configuration.identity.clusterID.rawValue, localNode: configuration.identity.nodeID,
            limits: limits, forgeryMemo: ForgeryMemo(key0: systemRandom.next(), key1: systemRandom.next()))
        var verifier = CertificateVerifier(
            authority: configuration.identity.authority,
            pairKeys: PairKeyring(local: configuration.identity.keyPair, bootEpoch: bootEpoch.rawValue))
        verifier.admit(configuration.identity.certificate, now: now)
        for node in revokedAtStart { verifier.revoke(node) }
        self.verifier = verifier
        self.verificationBudget = VerificationBudget(rates: configuration.verificationRates)
        transport.configureStreams(
            localNode: configuration.identity.nodeID,
            credentials: StreamCredentials(
                cluster: configuration.identity.clusterID.rawValue, bootEpoch: bootEpoch,
                keyPair: configuration.identity.keyPair),
            verifier: verifier)
        self.signer = signer
        self.certificateBytes = configuration.identity.certificate.encoded
        self.nextAnnounceAt = now
        self.random = random
        if let (storage, recovered) = opened {
            self.durability = NodeDurability(
                storage: storage, clockCeiling: recovered.clockCeiling, loggedDigest: recovered.digest)
            // What recovery read is on disk: the digest to claim from the start.
            self.core.markDurable(recovered.digest)
            // Log a ceiling above the restored clock before anything can tick it.
            renewClockCeilingIfNeeded(now: now)
            if let failure = durability?.failure {
                await closeSockets()
                throw NodeStartError.storage(directory: storage.configuration.directory, failure)
            }
        }

        if configuration.identity.isOpen {
            logger.warning(
                Logger.Message(
                    stringLiteral:
                        "cluster 'default' is OPEN: any node on this network may join and write. Close it with "
                        + "a passphrase on every node (--cluster-secret-file FILE, --cluster-name NAME), or key files "
                        + "from `gossipkv init`"))
        }
        // A list given by `--revocations` is kept in the data directory from now on.
        if !revocationBook.isEmpty { persistRevocations() }
        logger.info(
            "node \(configuration.identity.nodeID) listening for gossip on \(configuration.bindHost):\(boundPort)",
            metadata: ["gossip.advertised": "\(advertisedAddress)"])
        respBackend.attach(self)
        await respServer?.beginAccepting()
        metricsServer?.attach(
            health: { [weak self] in await self?.health() ?? .stopping },
            beforeScrape: { [weak self] in await self?.recordGauges() })
    }

    // MARK: The client API

    /// Writes `value` under `key`; returns after the local apply (the entry is pushed to peers
    /// within the push window). `expiry` is an HLC deadline.
    ///
    /// With a data directory the entry is in the log (a `write(2)`: it survives `kill -9`) before
    /// this returns, and with fsync `always` on disk.
    @discardableResult
    public func put(_ key: [UInt8], _ value: [UInt8], expiry: HLCTimestamp? = nil)
        async throws(NodeWriteError) -> Entry
    {
        try await write(key, value: value, expiry: expiry)
    }

    @discardableResult
    public func put(_ key: String, _ value: String) async throws(NodeWriteError) -> Entry {
        try await write(Array(key.utf8), value: Array(value.utf8), expiry: nil)
    }

    /// Deletes `key` (writes a tombstone).
    @discardableResult
    public func delete(_ key: [UInt8]) async throws(NodeWriteError) -> Entry {
        try await write(key, value: nil, expiry: nil)
    }

    @discardableResult
    public func delete(_ key: String) async throws(NodeWriteError) -> Entry {
        try await delete(Array(key.utf8))
    }

    public func get(_ key: [UInt8]) -> [UInt8]? { get(key, now: WallClock.nowMilliseconds()) }

    /// `get` at wall-clock time `now`: a pipelined batch reads the clock once for all its commands.
    func get(_ key: [UInt8], now: UInt64) -> [UInt8]? {
        let value = core.get(key, now: now)
        if value == nil { noticeExpiry(of: key) }
        return value
    }

    public func get(_ key: String) -> String? {
        get(Array(key.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every key a read would see now (not deleted, not expired), sorted bytewise.
    public func liveKeys() -> [[UInt8]] {
        let now = engine.replica.readTime(physical: WallClock.nowMilliseconds())
        var keys: [[UInt8]] = []
        engine.replica.map.forEachEntry { entry in
            if entry.visibleValue(at: now) != nil { keys.append(entry.key) }
        }
        return keys.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The entry held for `key`, tombstones and expired entries included.
    public func entry(_ key: [UInt8]) -> Entry? { engine.replica.map.entry(forKey: key) }

    /// The HLC "now" for reads (expiry checks): the clock's last value or the wall clock.
    public func readTime() -> HLCTimestamp { engine.replica.readTime(physical: WallClock.nowMilliseconds()) }

    /// Every applied change, local and replicated, and every expiry on this node (`.expired`),
    /// from the moment of the call. A consumer that falls more than 4,096 changes behind loses
    /// the oldest.
    public nonisolated var changes: AsyncStream<Change> { feed.subscribe() }

    /// The actor's jobs run on `homeLoop`.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        homeLoop.executor.asUnownedSerialExecutor()
    }

    /// Applies, logs (one `write(2)`, in this actor turn so log order is apply order), publishes;
    /// then, with fsync `always`, suspends until the log is on disk. The suspension lets other
    /// writes in, so concurrent writers share one fsync; no write ever waits on the network.
    func write(_ key: [UInt8], value: [UInt8]?, expiry: HLCTimestamp?) async throws(NodeWriteError) -> Entry {
        await waitForFirstWrite()
        let entry = try applyLocalWrite(key, value: value, expiry: expiry)
        if !finishLocalWrites([entry]) { try checkWritable() }
        try await waitUntilDurable()
        return entry
    }

    /// A node with a persistent identity takes no write before the max clock offset has passed
    /// since its start (`firstWriteNotBefore`): it holds the write back until then.
    func waitForFirstWrite() async {
        let arrival = WallClock.nowMilliseconds()
        if firstWriteNotBefore > arrival {
            try? await Task.sleep(for: .milliseconds(Int(firstWriteNotBefore - arrival)))
        }
    }

    /// Applies one local write to the engine. The caller logs and publishes it with
    /// `finishLocalWrites` in the same actor turn, so log order stays apply order.
    func applyLocalWrite(
        _ key: [UInt8], value: [UInt8]?, expiry: HLCTimestamp?, now: UInt64 = WallClock.nowMilliseconds()
    ) throws(NodeWriteError) -> Entry {
        try checkWritable()
        renewClockCeilingIfNeeded(now: now)
        try checkWritable()
        do {
            return try core.write(key, value: value, expiry: expiry, now: now)
        } catch {
            throw .refused(error)
        }
    }

    /// Logs applied local writes (one `write(2)` for all of them), then publishes them, counts
    /// them and re-arms the timer once. False when the log refused them (the data directory
    /// failed): they stay applied in memory and may replicate, as `NodeWriteError` says.
    /// `deferringLog`: appended at the end of this turn of the event loop instead, together with
    /// the other batches the turn answers (`Node+DeferredLog.swift`).
    func finishLocalWrites(_ entries: [Entry], deferringLog: Bool = false) -> Bool {
        guard !entries.isEmpty else { return true }
        let logged = deferringLog ? deferLogging(entries) : persist(entries)
        feed.publishLocal(entries)
        for entry in entries { expiryWatch.track(entry) }
        metrics.keys.record(core.entryCount)
        metrics.localWrites.increment(by: entries.count)
        refreshTimer()
        return logged
    }

    // MARK: Service

    /// Serves until the task is cancelled or a graceful shutdown is requested (SIGINT/SIGTERM in
    /// a `ServiceGroup`): then announces the leave, lets it go out, and closes the sockets.
    public func run() async throws {
        servingSince = WallClock.nowMilliseconds()
        // The process runs from here: a stop before the first message is a stall as well
        // (`NodeCore.noteRunTime` measures a stall from the previous input).
        core.noteRunTime(monotonic: WallClock.monotonicMilliseconds(), now: WallClock.nowMilliseconds())
        startDiscovery()
        refreshTimer()
        let inbound = transport.inbound
        await withGracefulShutdownHandler {
            for await packet in inbound {
                self.handle(packet)
            }
        } onGracefulShutdown: {
            Task { await self.shutdown() }
        }
        await closeSockets()
    }

    /// Leaves the cluster and stops serving.
    public func shutdown() async {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        let now = WallClock.nowMilliseconds()
        carryOut(core.leave(now: now))
        logger.info("leaving the cluster")
        // Give the leave announcements a moment on the wire before the sockets close.
        try? await Task.sleep(for: .milliseconds(100))
        await closeSockets()
    }

    /// Closes the sockets, then the data directory (a final snapshot). Both `shutdown()` and the
    /// end of `run()` call it; the later caller waits for the first one's work, so `run()` never
    /// returns (and the process never exits) before the data directory is closed.
    func closeSockets() async {
        if let closing {
            await closing.value
            return
        }
        let task = Task { await self.closeEverything() }
        closing = task
        await task.value
    }

    private func closeEverything() async {
        socketsClosed = true
        await respServer?.stop()
        await metricsServer?.stop()
        tickTask?.cancel()
        tickTask = nil
        feed.finish()
        await multicast?.close()
        await transport.close()
        await closeStorage()
    }
}
