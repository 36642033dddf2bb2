import Foundation

extension NodeSettings {
    /// The cluster passphrase, from `cluster-secret-file` or `cluster-secret` (environment
    /// `GOSSIPKV_CLUSTER_SECRET` or the config file); nil when neither is set, i.e. the cluster
    /// is not closed by a passphrase.
    func clusterSecret(
        readFile: (String) throws -> Data = { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    ) throws(SettingsError) -> String? {
        if let words = string(.clusterSecret) { return words }
        guard let path = string(.clusterSecretFile) else { return nil }
        return try ClusterSecretFile.read(path, readFile: readFile)
    }
}

/// A file holding the cluster passphrase: the words alone, one trailing line break (what
/// editors and `echo` add) not part of them. It keeps the words out of argv, where every local
/// user can read them (`ps`, /proc/PID/cmdline); it SHOULD be mode 0600.
enum ClusterSecretFile {
    static let environmentName = SettingKey.clusterSecret.environmentName

    /// What `--cluster-secret` on the command line says instead of taking the words.
    static let instead =
        "put the words in a file only you can read and pass --cluster-secret-file FILE, or set "
        + "GOSSIPKV_CLUSTER_SECRET in the environment"

    static func read(
        _ path: String, readFile: (String) throws -> Data = { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    ) throws(SettingsError) -> String {
        var bytes: [UInt8]
        do {
            bytes = Array(try readFile(path))
        } catch {
            throw .clusterSecretFile(path: path, problem: "cannot read it (\(error.localizedDescription))")
        }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty, let words = String(validating: bytes, as: UTF8.self) else {
            throw .clusterSecretFile(
                path: path,
                problem: bytes.isEmpty ? "it is empty; write the passphrase in it" : "it is not UTF-8 text")
        }
        return words
    }
}
