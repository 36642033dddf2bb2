/// Checks incoming envelopes, in DESIGN's order: size, version, cluster id, recipient, known
/// sender, lengths, replay window, authenticator, then body. Cheap checks come first so a flood of junk
/// costs no signature verifications (about 50 µs each).
///
/// The replay window is recorded only after the authenticator verified (check, verify, record):
/// forged packets can neither advance a window nor make a later genuine message look like a
/// replay. A message whose authentic body then fails to decode still uses up its sequence number.
/// So that a forgery resent with the same fresh sequence number does not cost a verification
/// each time, envelopes that failed are remembered in a bounded `ForgeryMemo`, checked just
/// before the authenticator.
///
/// A pure value: the only state is the replay guard and the forgery memo. The clock check on
/// `header.hlc` is the engine's job, as is deciding which kinds it accepts from whom.
public struct EnvelopeOpener: Sendable {
    public let cluster: NodeID
    public let localNode: NodeID
    public let limits: Limits
    public private(set) var replayGuard: ReplayGuard
    public private(set) var forgeryMemo: ForgeryMemo

    public init(
        cluster: NodeID, localNode: NodeID, limits: Limits = .standard,
        replayGuard: ReplayGuard = ReplayGuard(), forgeryMemo: ForgeryMemo = ForgeryMemo()
    ) {
        self.cluster = cluster
        self.localNode = localNode
        self.limits = limits
        self.replayGuard = replayGuard
        self.forgeryMemo = forgeryMemo
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
    /// `precheck`, then `verify`; a shell that budgets verifications calls the two itself.
    public mutating func authenticate(
        _ frame: ArraySlice<UInt8>, maxBytes: Int, verifier: some MessageVerifier
    ) -> Result<AuthenticatedFrame, EnvelopeRejection> {
        switch precheck(frame, maxBytes: maxBytes, verifier: verifier) {
        case let .failure(rejection): return .failure(rejection)
        case let .success(pending): return verify(pending, verifier: verifier)
        }
    }

    /// Every cheap check, in order, up to the authenticator: size, version, cluster, recipient,
    /// known sender, lengths, replay window, and the forgery memo (an envelope that failed its
    /// authenticator once is refused by lookup). Changes nothing.
    public func precheck(
        _ frame: ArraySlice<UInt8>, maxBytes: Int, verifier: some MessageVerifier
    ) -> Result<PendingVerification, EnvelopeRejection> {
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
        if forgeryMemo.isKnownForgery(frame, stamp: header.replayStamp) { return .failure(.knownForgery) }
        let bodyStart = frame.startIndex + EnvelopeHeader.encodedLength
        return .success(
            PendingVerification(header: header, frame: frame, authenticatorStart: bodyStart + bodyLength))
    }

    /// Checks the authenticator of an envelope `precheck` passed: on success records its stamp
    /// in the replay window; on failure remembers the envelope in the forgery memo.
    public mutating func verify(
        _ pending: PendingVerification, verifier: some MessageVerifier
    ) -> Result<AuthenticatedFrame, EnvelopeRejection> {
        let frame = pending.frame
        let header = pending.header
        let rejection: EnvelopeRejection
        switch verifier.check(
            frame[pending.authenticatorStart...], over: frame[..<pending.authenticatorStart], header: header)
        {
        case .verified:
            replayGuard.record(header.replayStamp)
            let bodyStart = frame.startIndex + EnvelopeHeader.encodedLength
            return .success(
                AuthenticatedFrame(header: header, body: frame[bodyStart..<pending.authenticatorStart]))
        case .badSignature: rejection = .badSignature
        case .badPairMAC: rejection = .badPairMAC
        }
        forgeryMemo.recordFailure(frame, stamp: header.replayStamp)
        return .failure(rejection)
    }

    /// Whether `frame`, under `stamp`, already failed its authenticator check (for checks made
    /// outside `verify`, such as an announcement's certificate).
    public func isKnownForgery(_ frame: ArraySlice<UInt8>, stamp: ReplayStamp) -> Bool {
        forgeryMemo.isKnownForgery(frame, stamp: stamp)
    }

    /// Remembers a frame that failed a check made outside `verify`.
    public mutating func recordForgery(_ frame: ArraySlice<UInt8>, stamp: ReplayStamp) {
        forgeryMemo.recordFailure(frame, stamp: stamp)
    }

    /// Stops tracking a departed sender's replay windows (see `ReplayGuard.forget`).
    public mutating func forget(sender: NodeID) { replayGuard.forget(sender) }

    /// Unicast envelopes name this node; multicast ones carry the zero recipient, and only on
    /// the multicast channel, so a unicast message cannot be made "for everyone".
    private func isForUs(_ header: EnvelopeHeader) -> Bool {
        header.recipient == localNode || (header.recipient == .zero && header.channel == .multicast)
    }
}

/// An envelope that passed every cheap check (`EnvelopeOpener.precheck`) and waits for its
/// authenticator to be checked.
public struct PendingVerification: Sendable {
    public let header: EnvelopeHeader
    let frame: ArraySlice<UInt8>
    let authenticatorStart: Int
}
