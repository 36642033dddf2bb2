import FuzzSupport
import GossipKVCore
import GossipKVCrypto

/// The first frame of every gossip stream (`StreamHandshake`), read by the acceptor a node runs
/// on each inbound stream (`StreamHandshakeAcceptor`) with the fuzz cluster's node admitted.
/// The input is the frame as a stranger sends it.
///
/// Properties: no trap, no allocation over 64 MiB; whatever decodes re-encodes to exactly the
/// input; a handshake the acceptor takes is signed by the admitted node's key, names it, is for
/// this cluster and node, and the same bytes a second time are a replay.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHandshake(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    if let handshake = try? StreamHandshake(decoding: input[...]) {
        do {
            let encoded = try handshake.encoded()
            precondition(encoded == input, "re-encoding is not canonical for \(handshake)")
        } catch {
            preconditionFailure("a decoded handshake failed to encode: \(error)")
        }
    }
    var acceptor = StreamHandshakeAcceptor(
        cluster: HandshakeInput.cluster, localNode: HandshakeInput.receiver)
    guard case let .success(sender) = acceptor.accept(input[...], verifier: HandshakeInput.verifier) else {
        return 0
    }
    precondition(
        sender == CertificateInput.node.nodeID, "accepted a handshake from \(sender), who is not admitted")
    guard let handshake = try? StreamHandshake(decoding: input[...]) else {
        preconditionFailure("accepted bytes that do not decode")
    }
    precondition(handshake.isSigned(by: CertificateInput.node.publicKey), "accepted an unsigned handshake")
    precondition(
        handshake.cluster == HandshakeInput.cluster && handshake.recipient == HandshakeInput.receiver)
    guard case .failure(.replay) = acceptor.accept(input[...], verifier: HandshakeInput.verifier) else {
        preconditionFailure("the same handshake was accepted twice")
    }
    return 0
}
