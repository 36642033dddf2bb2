import GossipKVCore
import Testing

@testable import GossipKVCrypto

@Suite("Node certificates")
struct CertificateTests {
    let cluster = Fixture.cluster(1)
    let node = Fixture.node(2)
    let now = Fixture.now

    func issued(name: String = "node-a") throws -> NodeCertificate {
        try NodeCertificate.issue(nodePublicKey: node.publicKey, name: name, by: cluster, now: now)
    }

    @Test("an issued certificate verifies under its cluster key for one year")
    func issueAndVerify() throws {
        let certificate = try issued()
        #expect(certificate.cluster == cluster.clusterID)
        #expect(certificate.nodeID == node.nodeID)
        #expect(!certificate.isSelfSigned)
        #expect(certificate.notAfter - now == NodeCertificate.defaultValidityMilliseconds)
        #expect(certificate.verify(clusterPublicKey: cluster.publicKey, now: now) == .valid)
        #expect(certificate.verify(clusterPublicKey: cluster.publicKey, now: certificate.notAfter) == .valid)
        #expect(certificate.verify(clusterPublicKey: cluster.publicKey, now: certificate.notBefore) == .valid)
    }

    @Test("past notAfter a certificate is expired")
    func expired() throws {
        let certificate = try issued()
        let later = certificate.notAfter + 1
        #expect(
            certificate.verify(clusterPublicKey: cluster.publicKey, now: later)
                == .expired(notAfter: certificate.notAfter, now: later))
    }

    @Test("before notBefore a certificate is not yet valid, with a few minutes' grace for skew")
    func notYetValid() throws {
        let certificate = try issued()
        #expect(certificate.verify(clusterPublicKey: cluster.publicKey, now: now - 60_000) == .valid)
        let early = certificate.notBefore - 1
        #expect(
            certificate.verify(clusterPublicKey: cluster.publicKey, now: early)
                == .notYetValid(notBefore: certificate.notBefore, now: early))
    }

    @Test("a certificate from another cluster, or a self-signed one, is for the wrong cluster")
    func wrongCluster() throws {
        let other = Fixture.cluster(3)
        let certificate = try issued()
        #expect(
            certificate.verify(clusterPublicKey: other.publicKey, now: now)
                == .wrongCluster(certificate: cluster.clusterID, expected: other.clusterID))
        let selfSigned = try NodeCertificate.selfSigned(by: node, name: "node-a", now: now)
        #expect(
            selfSigned.verify(clusterPublicKey: cluster.publicKey, now: now)
                == .wrongCluster(certificate: .open, expected: cluster.clusterID))
        #expect(
            certificate.verifySelfSigned(now: now)
                == .wrongCluster(certificate: cluster.clusterID, expected: .open))
    }

    @Test("a self-signed certificate verifies for the open cluster only")
    func selfSigned() throws {
        let certificate = try NodeCertificate.selfSigned(by: node, name: "laptop", now: now)
        #expect(certificate.isSelfSigned)
        #expect(certificate.cluster == .open)
        #expect(certificate.verifySelfSigned(now: now) == .valid)
        #expect(certificate.verify(authority: .open, now: now) == .valid)
    }

    @Test("any flipped bit of an encoded certificate is rejected by decoding or verification")
    func tampered() throws {
        for authority in [CertificateAuthority.closed(clusterPublicKey: cluster.publicKey), .open] {
            let certificate =
                authority == .open
                ? try NodeCertificate.selfSigned(by: node, name: "node-a", now: now) : try issued()
            for altered in Fixture.everyBitFlip(of: certificate.encoded) {
                guard let decoded = try? NodeCertificate(encoded: altered) else { continue }
                #expect(decoded.verify(authority: authority, now: now) != .valid)
            }
        }
    }

    @Test("a certificate claiming another node's id, or a key another cluster signed, is rejected")
    func forgedFields() throws {
        let certificate = try issued()
        let other = Fixture.node(9)
        let wrongID = NodeCertificate(
            cluster: certificate.cluster, nodePublicKey: certificate.nodePublicKey, nodeID: other.nodeID,
            name: certificate.name, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
            signature: certificate.signature)
        #expect(wrongID.verify(clusterPublicKey: cluster.publicKey, now: now) == .nodeIDMismatch)
        let swappedKey = NodeCertificate(
            cluster: certificate.cluster, nodePublicKey: other.publicKey, nodeID: other.nodeID,
            name: certificate.name, notBefore: certificate.notBefore, notAfter: certificate.notAfter,
            signature: certificate.signature)
        #expect(swappedKey.verify(clusterPublicKey: cluster.publicKey, now: now) == .badSignature)
    }

    @Test("encode then decode gives the same certificate and the same bytes")
    func codecRoundTrip() throws {
        for name in ["a", "node-a", "nœud-été-🚀", String(repeating: "x", count: 64)] {
            let certificate = try issued(name: name)
            let bytes = certificate.encoded
            #expect(bytes.count >= NodeCertificate.minimumEncodedLength)
            #expect(bytes.count <= NodeCertificate.maximumEncodedLength)
            let decoded = try NodeCertificate(encoded: bytes)
            #expect(decoded == certificate)
            #expect(decoded.encoded == bytes)
            #expect(decoded.verify(clusterPublicKey: cluster.publicKey, now: now) == .valid)
        }
    }

    @Test("every truncation and every extension of an encoding is rejected")
    func truncations() throws {
        let bytes = try issued().encoded
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try NodeCertificate(encoded: bytes[..<length]) }
        }
        #expect(throws: WireError.trailingBytes(count: 1)) { try NodeCertificate(encoded: bytes + [0]) }
    }

    @Test("a certificate inside a larger message decodes from a ByteReader")
    func embedded() throws {
        let certificate = try issued()
        var writer = ByteWriter()
        writer.write(UInt32(7))
        writer.write(certificate)
        writer.write(UInt8(9))
        var reader = ByteReader(writer.bytes)
        #expect(try reader.readUInt32() == 7)
        #expect(try reader.readNodeCertificate() == certificate)
        #expect(try reader.readUInt8() == 9)
        #expect(reader.isAtEnd)
    }

    @Test("decoding rejects an unknown version, a bad name and an inverted window")
    func nonCanonical() throws {
        let bytes = try issued(name: "abc").encoded
        var version = bytes
        version[0] = 2
        #expect(throws: WireError.self) { try NodeCertificate(encoded: version) }
        let nameStart = 1 + 16 + 16 + 4
        var control = bytes
        control[nameStart] = 0x0A
        #expect(
            throws: WireError.invalidField(
                "certificate.name (a node name must be printable: U+000A is a control, format (bidi), "
                    + "separator, private-use or unassigned character)"
            )
        ) {
            try NodeCertificate(encoded: control)
        }
        var invalidUTF8 = bytes
        invalidUTF8[nameStart] = 0xFF
        #expect(throws: WireError.invalidField("certificate.name (not UTF-8)")) {
            try NodeCertificate(encoded: invalidUTF8)
        }
        var longName = bytes
        longName[nameStart - 1] = 65
        #expect(throws: WireError.self) { try NodeCertificate(encoded: longName) }
        let windowStart = nameStart + 3 + 32
        var inverted = bytes
        inverted[windowStart + 7] = 0xFF  // notBefore's low byte up: still sane
        inverted[windowStart] = 0xFF  // notBefore far in the future, after notAfter
        #expect(throws: WireError.invalidField("certificate.notAfter (before notBefore)")) {
            try NodeCertificate(encoded: inverted)
        }
    }

    @Test(
        "a name with U+202E (right-to-left override) or another non-printable character is refused at issue")
    func nonPrintableNamesAtIssue() {
        // Cf (bidi overrides, zero-width space, BOM), Zl, Zp, Co (private use), Cn (unassigned).
        for name in [
            "evil\u{202E}gpj", "a\u{200B}b", "\u{FEFF}node", "a\u{2028}b", "a\u{2029}b", "a\u{E000}b",
            "a\u{0378}b",
        ] {
            #expect(throws: CertificateError.self, "\(name.unicodeScalars.map(\.value))") {
                try issued(name: name)
            }
        }
        #expect(throws: (any Error).self) { try NodeCertificate.validate(name: "web\u{202E}1") }
        #expect((try? issued(name: "nœud-été-🚀")) != nil)
    }

    @Test("a signed certificate whose name carries U+202E is refused when decoded for verification")
    func nonPrintableNameAtVerification() throws {
        // "abc" and U+202E are both 3 UTF-8 bytes: the same length prefix, a bidi name.
        var bytes = try issued(name: "abc").encoded
        let nameStart = 1 + 16 + 16 + 4
        bytes.replaceSubrange(nameStart..<nameStart + 3, with: [0xE2, 0x80, 0xAE])
        do {
            _ = try NodeCertificate(encoded: bytes)
            Issue.record("a certificate named U+202E decoded")
        } catch {
            #expect("\(error)".contains("U+202E"))
        }
    }

    @Test("issuing rejects empty, long and control-character names and an inverted window")
    func issueValidation() {
        for name in ["", String(repeating: "é", count: 33), "a\nb", "tab\there", "\u{1B}[31m"] {
            #expect(throws: CertificateError.self) { try issued(name: name) }
        }
        #expect(throws: CertificateError.invalidValidityWindow(notBefore: 2, notAfter: 1)) {
            try NodeCertificate.issue(
                nodePublicKey: node.publicKey, name: "n", by: cluster, notBefore: 2, notAfter: 1)
        }
    }
}
