import ArgumentParser
import Foundation
import GossipKVCrypto
import GossipKVNode

/// `gossipkv init`: makes a closed cluster's key and this machine's node files in one directory.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a cluster key and this machine's node key and certificate.",
        discussion: """
            Writes DIR/cluster.key (the cluster SECRET key: keep it with the operator, it certifies nodes), \
            DIR/cluster.pub, DIR/node.key and DIR/node.cert. Start this node with \
            `gossipkv node --cluster-dir DIR`; make other nodes' files with `gossipkv cert issue`.
            """)

    @Option(help: "Directory to create the files in.")
    var dir: String = "gossipkv-cluster"

    @Option(help: "This node's name (default: the host name).")
    var name: String?

    func run() throws {
        try CertCommand.makeDirectory(dir)
        let cluster = ClusterKeyPair.generate()
        try KeyFile.write(secret: cluster, to: dir + "/" + IdentityFiles.clusterSecretKey)
        try KeyFile.write(clusterPublicKey: cluster.publicKey, to: dir + "/" + IdentityFiles.clusterPublicKey)
        let nodeName = name ?? ProcessInfo.processInfo.hostName
        try CertCommand.Issue.issue(name: nodeName, cluster: cluster, into: dir)
        print(
            """
            cluster \(cluster.clusterID) created in \(dir)
              \(dir)/\(IdentityFiles.clusterSecretKey)   cluster SECRET key (0600): keep it with the operator
              \(dir)/\(IdentityFiles.clusterPublicKey)   cluster public key
              \(dir)/\(IdentityFiles.dataKey)   cluster data key (0600): encrypts gossip; every node has a copy
              \(dir)/\(IdentityFiles.nodeKey), \(IdentityFiles.nodeCertificate)   this node ('\(nodeName)')
            run:   gossipkv node --cluster-dir \(dir)
            more:  gossipkv cert issue --cluster-dir \(dir) --name NAME --out DIR   (one per machine)
            """)
    }
}
