import GossipKVCore
import Testing

@testable import GossipKVNode

/// The node counts the sync answer chunks it sends by phase (`gossipkv_sync_answer_*_out_total`)
/// by reading the phase byte of the encoded body; it must find the phase the core encoded.
@Suite("sync answer phase of an encoded body")
struct SyncAnswerPhaseTests {
    @Test(
        "each phase is read back from the encoded body, with or without a digest",
        arguments: [SyncAnswer.Phase.answer, .answerBack, .buckets])
    func phaseReadBack(phase: SyncAnswer.Phase) throws {
        let digest: Digest? = phase == .buckets ? nil : Digest()
        let answer = SyncAnswer(
            syncID: 0xFFFF_FFFF_FFFF_FF03, index: 2, count: 3, phase: phase, digest: digest, entries: [])
        let body = try GossipMessage.syncAnswer(answer).encodedBody()
        #expect(Node.answerPhase(ofBody: body) == phase)
    }

    @Test("a body too short to hold the phase, or with an unknown phase byte, has none")
    func malformedBody() {
        #expect(Node.answerPhase(ofBody: Array(repeating: 0, count: 16)) == nil)
        #expect(Node.answerPhase(ofBody: Array(repeating: 0, count: 17)) == nil)
        #expect(Node.answerPhase(ofBody: Array(repeating: 0, count: 16) + [9, 0]) == nil)
    }
}
