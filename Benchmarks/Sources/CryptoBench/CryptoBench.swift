import Foundation
import GossipKVCore
import GossipKVCrypto

/// Signed envelopes per second on one thread, as a node seals and opens them: a push of fresh
/// writes (16-byte keys, 32-byte values, the last value grown so the envelope is exactly the
/// largest datagram, 1,400 bytes) sealed with `Ed25519Signer` and opened with `EnvelopeOpener`
/// and a `CertificateVerifier` that admitted the sender's certificate (all checks, signature
/// verification and body decode included). Called by `Benchmarks/cluster-bench.sh`.
///
///     CryptoBench [--quick]
///
/// Prints one line per round and a last line `RESULT seals_per_s=... opens_per_s=...` (best
/// round of each), then the same for sealed frames (`frame_seals_per_s`, `frame_opens_per_s`:
/// the XChaCha20-Poly1305 layer of a closed cluster around that envelope).
@main
struct CryptoBench {
    static func main() throws {
        let quick = CommandLine.arguments.contains("--quick")
        let rounds = quick ? 2 : 5
        let perRound = quick ? 5_000 : 20_000
        let envelopeBytes = Limits.standard.maxDatagramBytes

        let cluster = ClusterKeyPair.generate()
        let sender = NodeKeyPair.generate()
        let receiver = NodeKeyPair.generate()
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        let certificate = try NodeCertificate.issue(
            nodePublicKey: sender.publicKey, name: "sender", by: cluster, now: now)
        var verifier = CertificateVerifier(authority: .closed(clusterPublicKey: cluster.publicKey))
        guard verifier.admit(certificate, now: now).isValid else { fatalError("certificate refused") }
        let signer = Ed25519Signer(keyPair: sender)

        let push = try pushFilling(
            envelopeBytes, sender: sender, cluster: cluster, receiver: receiver, signer: signer, now: now)
        let probe = try seal(
            push, sequence: 1, epoch: 1, sender: sender, cluster: cluster, receiver: receiver, signer: signer,
            now: now)
        print(
            "envelope: \(probe.count) bytes, a push of \(push.items.count) entries (16-byte keys, 32-byte values), Ed25519 + BLAKE2b-512"
        )

        var bestSeal = 0.0
        var bestOpen = 0.0
        for round in 1...rounds {
            let epoch = UInt64(round) << 20
            var frames: [[UInt8]] = []
            frames.reserveCapacity(perRound)
            let sealStart = DispatchTime.now().uptimeNanoseconds
            for sequence in 1...perRound {
                frames.append(
                    try seal(
                        push, sequence: UInt64(sequence), epoch: epoch, sender: sender, cluster: cluster,
                        receiver: receiver, signer: signer, now: now))
            }
            let sealSeconds = Double(DispatchTime.now().uptimeNanoseconds - sealStart) / 1e9

            var opener = EnvelopeOpener(cluster: cluster.clusterID.rawValue, localNode: receiver.nodeID)
            var opened = 0
            let openStart = DispatchTime.now().uptimeNanoseconds
            for frame in frames {
                if case .success = opener.open(frame, maxBytes: envelopeBytes, verifier: verifier) {
                    opened += 1
                }
            }
            let openSeconds = Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e9
            guard opened == frames.count else {
                fatalError("only \(opened) of \(frames.count) envelopes opened")
            }
            let seals = Double(perRound) / sealSeconds
            let opens = Double(perRound) / openSeconds
            bestSeal = max(bestSeal, seals)
            bestOpen = max(bestOpen, opens)
            print(
                String(
                    format: "round %d: %d seals %.0f/s (%.1f µs), %d opens %.0f/s (%.1f µs)",
                    round, perRound, seals, 1e6 / seals, opened, opens, 1e6 / opens))
        }
        let (sealedFrames, openedFrames) = sealedFrameRates(
            envelope: probe, rounds: rounds, perRound: perRound)
        print(
            String(
                format:
                    "RESULT seals_per_s=%.0f opens_per_s=%.0f envelope_bytes=%d frame_seals_per_s=%.0f frame_opens_per_s=%.0f",
                bestSeal, bestOpen, probe.count, sealedFrames, openedFrames))
    }

    /// Sealed frames (XChaCha20-Poly1305 under a `DataKeyring`, issue 13) of the same envelope
    /// per second, best round: what a closed cluster adds to every message on top of the
    /// signature, and what a frame from outside the keyring costs before it is refused.
    static func sealedFrameRates(envelope: [UInt8], rounds: Int, perRound: Int) -> (
        seals: Double, opens: Double
    ) {
        let keyring = DataKeyring(primary: DataKey.generate())
        var bestSeal = 0.0
        var bestOpen = 0.0
        for round in 1...rounds {
            var frames: [[UInt8]] = []
            frames.reserveCapacity(perRound)
            let sealStart = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<perRound { frames.append(keyring.seal(envelope)) }
            let sealSeconds = Double(DispatchTime.now().uptimeNanoseconds - sealStart) / 1e9
            var opened = 0
            let openStart = DispatchTime.now().uptimeNanoseconds
            for frame in frames {
                if case .success = keyring.open(frame[...], maxBytes: .max) { opened += 1 }
            }
            let openSeconds = Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e9
            guard opened == frames.count else {
                fatalError("only \(opened) of \(frames.count) sealed frames opened")
            }
            bestSeal = max(bestSeal, Double(perRound) / sealSeconds)
            bestOpen = max(bestOpen, Double(perRound) / openSeconds)
            print(
                String(
                    format:
                        "sealed frames round %d: %.0f seals/s (%.2f µs), %.0f opens/s (%.2f µs), %d bytes each",
                    round, Double(perRound) / sealSeconds, 1e6 * sealSeconds / Double(perRound),
                    Double(perRound) / openSeconds, 1e6 * openSeconds / Double(perRound), frames[0].count))
        }
        return (bestSeal, bestOpen)
    }

    static func seal(
        _ push: Push, sequence: UInt64, epoch: UInt64, sender: NodeKeyPair, cluster: ClusterKeyPair,
        receiver: NodeKeyPair, signer: Ed25519Signer, now: UInt64
    ) throws -> [UInt8] {
        let header = EnvelopeHeader(
            kind: .push, cluster: cluster.clusterID.rawValue, sender: sender.nodeID,
            recipient: receiver.nodeID,
            bootEpoch: HLCTimestamp(rawValue: epoch), channel: .gossipDatagram, sequence: sequence,
            hlc: HLCTimestamp(physical: now))
        return try Envelope.seal(header: header, message: .push(push), signer: signer)
    }

    /// The largest push of 16/32-byte entries that fits, with the last value grown to fill the datagram.
    static func pushFilling(
        _ bytes: Int, sender: NodeKeyPair, cluster: ClusterKeyPair, receiver: NodeKeyPair,
        signer: Ed25519Signer,
        now: UInt64
    ) throws -> Push {
        func item(_ index: Int, valueBytes: Int) -> Push.Item {
            let key = Array(String(format: "key-%012d", index).utf8)
            let entry = Entry(
                key: key, value: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: valueBytes),
                timestamp: HLCTimestamp(physical: now, logical: UInt16(index)), origin: sender.nodeID)
            return Push.Item(
                entry: entry, previousTimestamp: HLCTimestamp(physical: now, logical: UInt16(index)))
        }
        func size(_ push: Push) throws -> Int {
            try seal(
                push, sequence: 1, epoch: 1, sender: sender, cluster: cluster, receiver: receiver,
                signer: signer, now: now
            ).count
        }
        var push = Push(hops: 0, items: [item(0, valueBytes: 32)])
        while true {
            var bigger = push
            bigger.items.append(item(push.items.count, valueBytes: 32))
            guard try size(bigger) <= bytes else { break }
            push = bigger
        }
        let last = push.items.count - 1
        var grow = 0
        while true {
            var bigger = push
            bigger.items[last] = item(last, valueBytes: 32 + grow + 1)
            guard try size(bigger) <= bytes else { break }
            push = bigger
            grow += 1
        }
        return push
    }
}
