/// Typed reads and writes for each kind of file `gossipkv init` and `gossipkv cert issue` make.
extension KeyFile {
    /// Writes the node's seed to a new file, mode 0600.
    public static func write(secret keyPair: NodeKeyPair, to path: String) throws(KeyFileError) {
        try write(secret: keyPair.seed, kind: .nodeSecretKey, to: path)
    }

    /// Writes the cluster key's seed to a new file, mode 0600. It stays with the operator.
    public static func write(secret keyPair: ClusterKeyPair, to path: String) throws(KeyFileError) {
        try write(secret: keyPair.seed, kind: .clusterSecretKey, to: path)
    }

    public static func readNodeKeyPair(from path: String) throws(KeyFileError) -> NodeKeyPair {
        let seed = try readSecret(.nodeSecretKey, from: path)
        do {
            return try NodeKeyPair(seed: seed)
        } catch {
            throw .malformed(path: path, kind: .nodeSecretKey, reason: error.description)
        }
    }

    public static func readClusterKeyPair(from path: String) throws(KeyFileError) -> ClusterKeyPair {
        let seed = try readSecret(.clusterSecretKey, from: path)
        do {
            return try ClusterKeyPair(seed: seed)
        } catch {
            throw .malformed(path: path, kind: .clusterSecretKey, reason: error.description)
        }
    }

    /// Writes the cluster public key, which every node of a closed cluster needs.
    public static func write(clusterPublicKey: SigningPublicKey, to path: String) throws(KeyFileError) {
        try write(public: clusterPublicKey.bytes, kind: .clusterPublicKey, to: path)
    }

    public static func readClusterPublicKey(from path: String) throws(KeyFileError) -> SigningPublicKey {
        let bytes = try readPublic(.clusterPublicKey, from: path)
        do {
            return try SigningPublicKey(bytes: bytes)
        } catch {
            throw .malformed(path: path, kind: .clusterPublicKey, reason: error.description)
        }
    }

    public static func write(certificate: NodeCertificate, to path: String) throws(KeyFileError) {
        try write(public: certificate.encoded, kind: .nodeCertificate, to: path)
    }

    /// Reads and decodes a certificate; does not verify it (see `NodeCertificate.verify`).
    public static func readCertificate(from path: String) throws(KeyFileError) -> NodeCertificate {
        let bytes = try readPublic(.nodeCertificate, from: path)
        do {
            return try NodeCertificate(encoded: bytes)
        } catch {
            throw .malformed(path: path, kind: .nodeCertificate, reason: error.description)
        }
    }
}

extension KeyFile {
    /// Writes a data key to a new file, mode 0600 (`data.key`, or a key to install).
    public static func write(secret key: DataKey, to path: String) throws(KeyFileError) {
        try write(secret: key.secret, kind: .clusterDataKey, to: path)
    }

    public static func readDataKey(from path: String) throws(KeyFileError) -> DataKey {
        let secret = try readSecret(.clusterDataKey, from: path)
        do {
            return try DataKey(secret: secret)
        } catch {
            throw .malformed(path: path, kind: .clusterDataKey, reason: error.description)
        }
    }
}
