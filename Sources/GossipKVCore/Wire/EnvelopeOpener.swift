/// Checks incoming envelopes, in DESIGN's order: size, version, cluster id, recipient, known
/// sender, lengths, replay window, authenticator, then body. Cheap checks come first so a flood of junk
/// costs no signature verifications (about 50 µs each).
///
/// The replay window is recorded only after the authenticator verified (check, verify, record):
/// forged packets can neither advance a window nor make a later genuine message look like a
/// replay. A message whose authentic body then fails to decode still uses up its sequence number.
///
/// A pure value: the only state is the replay guard. The clock check on `header.hlc` is the
/// engine's job, as is deciding which kinds it accepts from whom.
public struct EnvelopeOpener: Sendable {
    public let cluster: NodeID
    public let localNode: NodeID
    public let limits: Limits
    public private(set) var replayGuard: ReplayGuard

    public init(
        cluster: NodeID, localNode: NodeID, limits: Limits = .standard,
        replayGuard: ReplayGuard = ReplayGuard()
    ) {
        self.cluster = cluster
        self.localNode = localNode
        self.limits = limits
        self.replayGuard = replayGuard
    }

    /// Opens `frame` and decodes its body as a `GossipMessage`. `maxBytes` is the transport's
    /// limit (`limits.maxDatagramBytes` for UDP); `limits.maxFrameBytes` applies in any case.
    public mutating func open(
        _ frame: ArraySlice<UInt8>, maxBytes: Int, verifier: some MessageVerifier
    ) -> Result<OpenedEnvelope, EnvelopeRejection> {
        switch authenticate(frame, maxBytes: maxBytes, verifier: verifier) {
        case let .failure(rejection):
            return .failure(rejection)
        case let .success(authentic):
            do {
                let message = try GossipMessage.decodeBody(
                    kind: authentic.header.kind, authentic.body, limits: limits)
                return .success(OpenedEnvelope(header: authentic.header, message: message))
            } catch {
                return .failure(.invalidBody(error))
            }
        }
    }

    public mutating func open(
        _ frame: [UInt8], maxBytes: Int, verifier: some MessageVerifier
    ) -> Result<OpenedEnvelope, EnvelopeRejection> {
        open(frame[...], maxBytes: maxBytes, verifier: verifier)
    }

    /// Every check but the body decode: returns the verified header and the body bytes.
    public mutating func authenticate(
        _ frame: ArraySlice<UInt8>, maxBytes: Int, verifier: some MessageVerifier
    ) -> Result<AuthenticatedFrame, EnvelopeRejection> {
        let limit = min(maxBytes, limits.maxFrameBytes)
        guard frame.count <= limit else { return .failure(.oversize(size: frame.count, limit: limit)) }
        var reader = ByteReader(frame)
        let header: EnvelopeHeader
        let bodyLength: Int
        do {
            (header, bodyLength) = try EnvelopeHeader.decode(from: &reader)
        } catch .unsupportedVersion(let version) {
            return .failure(.unsupportedVersion(version))
        } catch {
            return .failure(.malformed(error))
        }
        guard header.cluster == cluster else { return .failure(.wrongCluster(header.cluster)) }
        guard isForUs(header) else { return .failure(.wrongRecipient(header.recipient)) }
        guard header.sender != localNode else { return .failure(.ownMessage) }
        guard let mainLength = verifier.authenticatorLength(sender: header.sender), mainLength >= 0 else {
            return .failure(.unknownSender(header.sender))
        }
        // Header, body and authenticator must fill the frame exactly (overflow-safe: both
        // lengths come from outside this function). The authenticator is what the declared body
        // leaves: the sender's main length, or another one the verifier takes on this kind.
        let (withBody, overflow1) = EnvelopeHeader.encodedLength.addingReportingOverflow(bodyLength)
        let (expected, overflow2) = withBody.addingReportingOverflow(mainLength)
        var fits = false
        if !overflow1, withBody <= frame.count {
            let authenticatorLength = frame.count - withBody
            fits =
                authenticatorLength == mainLength
                || verifier.accepts(authenticatorLength: authenticatorLength, header: header)
        }
        guard fits else {
            guard !overflow1, !overflow2, expected <= frame.count else {
                return .failure(
                    .malformed(
                        .truncated(needed: overflow1 || overflow2 ? .max : expected, remaining: frame.count)))
            }
            return .failure(.malformed(.trailingBytes(count: frame.count - expected)))
        }
        if case let .failure(reason) = replayGuard.check(header.replayStamp) {
            return .failure(.replay(reason))
        }
        let bodyStart = frame.startIndex + EnvelopeHeader.encodedLength
        let authenticatorStart = bodyStart + bodyLength
        switch verifier.check(
            frame[authenticatorStart...], over: frame[..<authenticatorStart], header: header)
        {
        case .verified: break
        case .badSignature: return .failure(.badSignature)
        case .badPairMAC: return .failure(.badPairMAC)
        }
        replayGuard.record(header.replayStamp)
        return .success(AuthenticatedFrame(header: header, body: frame[bodyStart..<authenticatorStart]))
    }

    /// Stops tracking a departed sender's replay windows (see `ReplayGuard.forget`).
    public mutating func forget(sender: NodeID) { replayGuard.forget(sender) }

    /// Unicast envelopes name this node; multicast ones carry the zero recipient, and only on
    /// the multicast channel, so a unicast message cannot be made "for everyone".
    private func isForUs(_ header: EnvelopeHeader) -> Bool {
        header.recipient == localNode || (header.recipient == .zero && header.channel == .multicast)
    }
}
