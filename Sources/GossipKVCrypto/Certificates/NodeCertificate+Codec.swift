import GossipKVCore

/// The certificate's binary layout, written and read with the core's wire codec (integers
/// big-endian):
///
/// | field | bytes |
/// |---|---|
/// | version (1) | 1 |
/// | cluster id | 16 |
/// | node id | 16 |
/// | name: `u32` length, then UTF-8 | 4 + 1...64 |
/// | node public key (Ed25519) | 32 |
/// | not before, Unix ms | 8 |
/// | not after, Unix ms | 8 |
/// | signature over all the above under `gossipkv-cert-v1` | 64 |
///
/// The decoder accepts only canonical encodings (known version, name valid as `validate(name:)`
/// requires, `notBefore <= notAfter`, nothing after the signature), so a decoded certificate
/// re-encodes to the bytes it came from and its signature is checked over exactly those.
extension NodeCertificate {
    /// Smallest encoding: a one-byte name.
    public static let minimumEncodedLength = 1 + 16 + 16 + 4 + 1 + SigningPublicKey.byteCount + 8 + 8 + 64
    /// Largest encoding: a 64-byte name.
    public static let maximumEncodedLength = minimumEncodedLength - 1 + maxNameBytes

    /// The encoded certificate.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: Self.maximumEncodedLength)
        writer.write(self)
        return writer.bytes
    }

    /// Decodes exactly one certificate filling `bytes`. Does not verify it.
    public init(encoded bytes: ArraySlice<UInt8>) throws(WireError) {
        var reader = ByteReader(bytes)
        self = try reader.readNodeCertificate()
        try reader.finish()
    }

    public init(encoded bytes: [UInt8]) throws(WireError) {
        try self.init(encoded: bytes[...])
    }

    /// Every field before the signature: what the signature covers.
    var signedBytes: [UInt8] {
        var writer = ByteWriter(capacity: Self.maximumEncodedLength)
        writer.writeSignedFields(of: self)
        return writer.bytes
    }
}

extension ByteWriter {
    /// Appends `certificate` in the layout documented on `NodeCertificate+Codec.swift`.
    public mutating func write(_ certificate: NodeCertificate) {
        writeSignedFields(of: certificate)
        write(contentsOf: certificate.signature)
    }

    mutating func writeSignedFields(of certificate: NodeCertificate) {
        write(certificate.version)
        write(certificate.cluster.rawValue)
        write(certificate.nodeID)
        let name = Array(certificate.name.utf8)
        // A name is at most 64 bytes (checked when issued or decoded), so the length fits.
        write(UInt32(truncatingIfNeeded: name.count))
        write(contentsOf: name)
        write(contentsOf: certificate.nodePublicKey.bytes)
        write(certificate.notBefore)
        write(certificate.notAfter)
    }
}

extension ByteReader {
    /// Reads one certificate (layout on `NodeCertificate+Codec.swift`); throws on any input that
    /// is not a canonical encoding. Does not verify the signature.
    public mutating func readNodeCertificate() throws(WireError) -> NodeCertificate {
        let version = try readUInt8()
        guard version == NodeCertificate.currentVersion else {
            throw .invalidField(
                "certificate.version (\(version); this node reads version \(NodeCertificate.currentVersion))")
        }
        let cluster = ClusterID(rawValue: try readNodeID())
        let nodeID = try readNodeID()
        let nameBytes = try readLengthPrefixed(limit: NodeCertificate.maxNameBytes) { size, limit in
            .invalidField("certificate.name (\(size) bytes; at most \(limit))")
        }
        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw .invalidField("certificate.name (not UTF-8)")
        }
        if let problem = NodeCertificate.nameProblem(name) {
            throw .invalidField("certificate.name (\(problem))")
        }
        let publicKeyBytes = try readSlice(count: SigningPublicKey.byteCount)
        let notBefore = try readUInt64()
        let notAfter = try readUInt64()
        guard notBefore <= notAfter else { throw .invalidField("certificate.notAfter (before notBefore)") }
        let signature = try readBytes(count: Ed25519.signatureByteCount)
        let publicKey: SigningPublicKey
        do {
            publicKey = try SigningPublicKey(bytes: publicKeyBytes)
        } catch {
            throw .invalidField("certificate.publicKey")
        }
        return NodeCertificate(
            cluster: cluster, nodePublicKey: publicKey, nodeID: nodeID, name: name, notBefore: notBefore,
            notAfter: notAfter, signature: signature)
    }
}
