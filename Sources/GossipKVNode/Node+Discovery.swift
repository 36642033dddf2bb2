import GossipKVCore
import GossipKVCrypto
import NIOCore

extension Node {
    func startDiscovery() {
        nextAnnounceAt = WallClock.nowMilliseconds()
    }

    /// Announces this node to the multicast group and to every static seed, then schedules the
    /// next announcement: `burstCount` in the first `burstMilliseconds`, then every interval ±
    /// jitter (DESIGN's constants). Answers are immediate, so discovery does not wait for these.
    ///
    /// Only the start-up burst asks for answers. A later announcement renews our certificate and
    /// address with members that know us already, and a node that does not know us still
    /// answers, as it answers every stranger it admits; asking every member for its
    /// announcement and member list each time cost an idle 10-node cluster nine answers of about
    /// 600 bytes per node per announcement interval, more than a quarter of its idle traffic.
    func announce(now: UInt64) {
        let schedule = configuration.multicast ?? MulticastConfiguration()
        let wantsReply = announcementsSent < schedule.burstCount
        if let sealed = announcement(
            wantsReply: wantsReply, members: [], recipient: .zero, channel: .multicast)
        {
            multicast?.announce(sealed)
            for seed in seeds { transport.sendDatagram(sealed, to: seed) }
            metrics.messageOut(
                kind: "announcement", bytes: sealed.count * ((multicast == nil ? 0 : 1) + seeds.count))
        }
        announcementsSent += 1
        repairRevocations(now: now)
        refreshSeedAddresses()
        if announcementsSent < schedule.burstCount {
            nextAnnounceAt = now + schedule.burstMilliseconds / UInt64(max(1, schedule.burstCount - 1))
        } else {
            let spread = UInt64(Double(schedule.intervalMilliseconds) * schedule.jitter)
            let offset = spread == 0 ? 0 : random.next() % (2 * spread + 1)
            nextAnnounceAt = now + schedule.intervalMilliseconds - spread + offset
        }
    }

    /// Looks seed names up again in the background (a name may resolve only once its machine or
    /// container is up, or move), at most one lookup at a time; IP literals never change.
    func refreshSeedAddresses() {
        let hasNames = seedTargets.contains { (try? $0.socketAddress()) == nil }
        guard hasNames, !seedLookupRunning else { return }
        seedLookupRunning = true
        let targets = seedTargets
        Task { [weak self] in
            let (addresses, _) = await SeedResolver.resolveAll(targets)
            await self?.seedsResolved(addresses)
        }
    }

    func seedsResolved(_ addresses: [SocketAddress]) {
        seedLookupRunning = false
        guard !addresses.isEmpty, addresses != seeds else { return }
        logger.info("seed addresses now \(addresses.map { "\($0)" }.joined(separator: ", "))")
        seeds = addresses
    }

    /// Sends our announcement to one address, asking for its owner's (at most once a second per
    /// address).
    func introduce(to address: SocketAddress, now: UInt64) {
        if let last = introducedAt[address], now < last + 1_000 { return }
        if introducedAt.count > 4_096 { introducedAt.removeAll() }
        introducedAt[address] = now
        if let sealed = announcement(wantsReply: true, members: [], recipient: .zero, channel: .multicast) {
            transport.sendDatagram(sealed, to: address)
            metrics.messageOut(kind: "announcement", bytes: sealed.count)
        }
    }

    func announcement(wantsReply: Bool, members: [MemberUpdate], recipient: NodeID, channel: WireChannel)
        -> [UInt8]?
    {
        let body = Announcement(
            certificate: certificateBytes, address: advertisedAddress, wantsReply: wantsReply,
            members: members,
            dataEpoch: epoch)
        do {
            return seal(kind: .announcement, body: try body.encoded(), recipient: recipient, channel: channel)
        } catch {
            logger.error("could not encode our announcement: \(error)")
            return nil
        }
    }

    /// First contact (DESIGN, "The envelope and authentication"): a stranger's announcement
    /// carries its certificate. We check, in order: rate, cluster, the certificate (valid for our
    /// cluster and for the sender id), then the envelope's signature under the certified key.
    /// A new member is admitted at once and answered by unicast with our announcement and member
    /// list, so nodes on one LAN list each other within milliseconds.
    func handleAnnouncement(_ packet: InboundPacket, header: EnvelopeHeader, now: UInt64) {
        guard header.sender != id else { return }  // our own multicast, looped back
        guard header.cluster == opener.cluster else {
            metrics.rejected(reason: "wrong_cluster")
            return
        }
        var sourceHost = packet.source
        try? sourceHost?.setPort(0)
        let budget = announcementBudget.take(sourceHost, now: now)
        guard budget == .allowed else {
            let reason = budget == .globalExhausted ? "announcement_global_rate" : "announcement_rate"
            metrics.rejected(reason: reason)
            return
        }
        // Cheap refusals before the certificate's signature: a replayed announcement, or one
        // whose very bytes already failed a check (`ForgeryMemo`).
        if case let .failure(reason) = opener.replayGuard.check(header.replayStamp) {
            metrics.rejected(reason: EnvelopeRejection.replay(reason).label)
            return
        }
        guard !opener.isKnownForgery(packet.bytes[...], stamp: header.replayStamp) else {
            metrics.rejected(reason: EnvelopeRejection.knownForgery.label)
            return
        }
        let announcement: Announcement
        let certificate: NodeCertificate
        do {
            let bodyStart = EnvelopeHeader.encodedLength
            var reader = ByteReader(packet.bytes)
            let (_, bodyLength) = try EnvelopeHeader.decode(from: &reader)
            guard packet.bytes.count >= bodyStart + bodyLength else {
                throw WireError.truncated(needed: bodyLength, remaining: packet.bytes.count - bodyStart)
            }
            announcement = try Announcement(decoding: packet.bytes[bodyStart..<(bodyStart + bodyLength)])
            certificate = try NodeCertificate(encoded: announcement.certificate[...])
        } catch {
            metrics.rejected(reason: "malformed")
            return
        }
        guard certificate.nodeID == header.sender else {
            metrics.rejected(reason: "certificate_mismatch")
            return
        }
        var candidate = verifier
        metrics.authenticatorChecked()
        let verdict = candidate.admit(certificate, now: now)
        guard verdict.isValid else {
            if verdict == .badSignature { opener.recordForgery(packet.bytes[...], stamp: header.replayStamp) }
            metrics.rejected(reason: "certificate_\(verdict.label)")
            logger.debug("refused \(header.sender)'s certificate: \(verdict)")
            return
        }
        let maxBytes =
            packet.channel == .stream
            ? configuration.gossip.limits.maxFrameBytes : configuration.gossip.limits.maxDatagramBytes
        metrics.authenticatorChecked()
        switch opener.authenticate(packet.bytes[...], maxBytes: maxBytes, verifier: candidate) {
        case let .failure(rejection):
            metrics.rejected(reason: rejection.label)
            return
        case .success:
            verifier = candidate
        }
        metrics.messageIn(kind: "announcement", bytes: packet.bytes.count)
        // The clock check of every message, and the announcement's boot epoch (the incarnation
        // it claims) may not be above its own clock: an incarnation beyond reach would make the
        // member impossible to suspect and refute (`Membership.isWithinReach`).
        guard core.observeClock(header.hlc, now: now) else {
            metrics.rejected(reason: GossipRejection.messageClockTooFarAhead.label)
            return
        }
        guard header.bootEpoch <= header.hlc else {
            metrics.rejected(reason: "membership_incarnation_out_of_reach")
            return
        }
        recordAnnouncedEpoch(of: header.sender, epoch: announcement.dataEpoch, now: now)
        var address = announcement.address
        if address.isUnspecified, let source = packet.source,
            let fromSource = MemberAddress(
                socketAddress: source, gossipPort: address.gossipPort, clientPort: address.clientPort)
        {
            address = fromSource
        }
        let (result, directives) = core.admit(
            header.sender, address: address, incarnation: header.bootEpoch.rawValue, now: now)
        let admitted: Bool
        switch result {
        case .added, .renewed:
            admitted = true
            // New, or a new run: it may have missed revocations (sent after our answer below).
            if !revocationBook.isEmpty { revocationBook.owed.insert(header.sender) }
            logger.info("admitted \(certificate.name) (\(header.sender)) at \(address)")
        default:
            // A member we hold dead announces itself: it runs, so the core asks it to refute.
            admitted = false
        }
        carryOut(directives)
        if admitted || announcement.wantsReply, let target = address.gossipSocketAddress() {
            let list = core.members
                .filter { $0.id != id && $0.id != header.sender && $0.state.isActive }
                .prefix(Announcement.maxMembersInReply)
                .map(\.update)
            if let sealed = self.announcement(
                wantsReply: false, members: Array(list), recipient: header.sender, channel: .gossipDatagram)
            {
                transport.sendDatagram(sealed, to: target)
                metrics.messageOut(kind: "announcement", bytes: sealed.count)
            }
        }
        for member in announcement.members
        where member.id != id && verifier.senders[member.id] == nil && !verifier.revoked.contains(member.id) {
            if member.state.isActive, let target = member.address.gossipSocketAddress() {
                introduce(to: target, now: now)
            }
        }
    }
}

extension Node {
    /// Announcements, whoever sends them: 20 a second per source host (burst 40), and 200 a
    /// second in all (burst 400), each costing a certificate and a signature check (about
    /// 100 µs): at most 2 % of a core. Per-source buckets live in an LRU table of 4,096 hosts, so
    /// spoofed sources evict the idlest bucket, never reset every source's budget.
    static let announcementRates = SourceRateLimiter<SocketAddress?>.Rates(
        perSourcePerSecond: 20, perSourceBurst: 40, globalPerSecond: 200, globalBurst: 400)
}
