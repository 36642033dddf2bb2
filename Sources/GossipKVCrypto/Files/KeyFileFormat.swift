import Foundation

/// The text format of every key file: the kind's header line, then the payload in standard
/// base64 on one line, then a newline:
///
/// ```
/// gossipkv node secret key v1
/// q2Vd...=
/// ```
///
/// Text so that an operator can tell the files apart with `head -1` and copy them through a
/// terminal. Blank lines and trailing spaces or `\r` are tolerated; anything else is not.
/// Buffers that held a secret are wiped (best effort: Foundation's base64 works on copies).
///
/// Public so that key material arriving other than as a file (an environment variable, stdin)
/// is parsed the same way, and so the fuzzer can reach the parser.
public enum KeyFileFormat {
    /// Largest file read: a certificate is 213 bytes, 288 in base64, so 4 KiB is generous.
    public static let maxFileBytes = 4096

    /// The file contents for a secret payload. The caller SHOULD wipe them after use.
    public static func encode(secret: SecretBytes, kind: KeyFileKind) -> [UInt8] {
        secret.withUnsafeBytes { encode($0, kind: kind) }
    }

    /// The file contents for a public payload.
    public static func encode(public payload: [UInt8], kind: KeyFileKind) -> [UInt8] {
        payload.withUnsafeBytes { encode($0, kind: kind) }
    }

    static func encode(_ payload: UnsafeRawBufferPointer, kind: KeyFileKind) -> [UInt8] {
        var raw = Data(payload)
        var base64 = raw.base64EncodedData()
        defer {
            raw.resetBytes(in: 0..<raw.count)
            base64.resetBytes(in: 0..<base64.count)
        }
        var contents = Array((kind.header + "\n").utf8)
        contents.reserveCapacity(contents.count + base64.count + 1)
        contents.append(contentsOf: base64)
        contents.append(UInt8(ascii: "\n"))
        return contents
    }

    /// The payload of `contents`, a file of kind `kind`, in a wiped secret. Throws the reason
    /// (as a `KeyFileError` naming `origin`, the path or "GOSSIPKV_NODE_KEY") when it is not
    /// exactly one well-formed file of that kind. Never traps, whatever the bytes.
    public static func decode(_ contents: [UInt8], kind: KeyFileKind, origin: String) throws(KeyFileError)
        -> SecretBytes
    {
        func malformed(_ reason: String) -> KeyFileError {
            .malformed(path: origin, kind: kind, reason: reason)
        }
        guard contents.count <= maxFileBytes else { throw malformed("larger than \(maxFileBytes) bytes") }
        let lines = contents.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map(trimmed)
            .filter { !$0.isEmpty }
        guard let headerLine = lines.first else { throw malformed("the file is empty") }
        let header = String(decoding: headerLine, as: UTF8.self)
        guard header == kind.header else {
            if let found = KeyFileKind(rawValue: header) {
                throw .wrongKind(path: origin, expected: kind, found: found)
            }
            throw malformed("the first line must be \"\(kind.header)\"")
        }
        guard lines.count == 2 else {
            throw malformed(
                lines.count < 2
                    ? "the base64 line after the header is missing" : "unexpected lines after the base64 line"
            )
        }
        var text = Data(lines[1])
        defer { text.resetBytes(in: 0..<text.count) }
        guard var payload = Data(base64Encoded: text) else {
            throw malformed("the second line is not valid base64")
        }
        defer { payload.resetBytes(in: 0..<payload.count) }
        if let expected = kind.payloadLength, payload.count != expected {
            throw malformed("it holds \(payload.count) bytes; a \(kind) has \(expected)")
        }
        return SecretBytes(count: payload.count) { (buffer: UnsafeMutableRawBufferPointer) in
            payload.copyBytes(to: buffer)
        }
    }

    private static func trimmed(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var line = line
        while let last = line.last,
            last == UInt8(ascii: " ") || last == UInt8(ascii: "\r") || last == UInt8(ascii: "\t")
        {
            line = line.dropLast()
        }
        return line
    }
}
