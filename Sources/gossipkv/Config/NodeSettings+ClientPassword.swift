import Foundation
import GossipKVRESP

extension NodeSettings {
    /// The password Redis clients must give (`requirepass`), from `requirepass-file` or
    /// `requirepass` (environment `GOSSIPKV_REQUIREPASS` or the config file); nil when neither is
    /// set. The file holds the password alone; one trailing line break (what editors and
    /// `echo` add) is not part of it. `readFile` is injected so tests need no files.
    func clientPassword(
        readFile: (String) throws -> Data = { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    ) throws(SettingsError) -> ClientPassword? {
        if let text = string(.requirepass) { return ClientPassword(text) }
        guard let path = string(.requirepassFile) else { return nil }
        var bytes: [UInt8]
        do {
            bytes = Array(try readFile(path))
        } catch {
            throw .passwordFile(path: path, problem: "cannot read it (\(error.localizedDescription))")
        }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard let password = ClientPassword(bytes) else {
            throw .passwordFile(
                path: path, problem: "it is empty; write the password in it, or drop the setting")
        }
        return password
    }
}
