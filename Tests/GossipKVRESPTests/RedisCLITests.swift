import Foundation
import GossipKVRESP
import NIOCore
import TestSupport
import Testing

/// Where `redis-cli` is, if installed (`apt-get install -y redis-tools`).
let redisCLI: String? = ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// What redis-cli printed (trimmed) and its exit status.
struct CLIResult: Equatable, CustomStringConvertible {
    var output: String
    var status: Int32 = 0

    var description: String { "\(status): \(output)" }
}

/// Runs redis-cli with `arguments`.
func runRedisCLI(_ arguments: [String], input: String? = nil) async throws -> CLIResult {
    guard let redisCLI else { return CLIResult(output: "", status: -1) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: redisCLI)
    process.arguments = arguments
    let output = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
        output: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
        status: process.terminationStatus)
}

@Suite(
    "redis-cli against the server", .ownThreads, .serialized,
    .enabled(
        if: redisCLI != nil,
        "redis-cli is not installed (apt-get install -y redis-tools); skipping the interop checks"))
struct RedisCLITests {
    // Without a terminal, redis-cli prints bare values: no "(integer)", "(nil)" or "(error)".
    @Test("redis-cli SET and GET")
    func setGet() async throws {
        try await withServer { (_, address, _) async throws in
            let port = String(address.port ?? 0)
            #expect(try await runRedisCLI(["-p", port, "SET", "a", "5"]) == CLIResult(output: "OK"))
            #expect(try await runRedisCLI(["-p", port, "GET", "a"]) == CLIResult(output: "5"))
            #expect(try await runRedisCLI(["-p", port, "INCR", "a"]) == CLIResult(output: "6"))
            #expect(try await runRedisCLI(["-p", port, "GET", "missing"]) == CLIResult(output: ""))
        }
    }

    @Test("redis-cli shows errors, arrays, and pipes commands from standard input")
    func repliesAndPipe() async throws {
        try await withServer { (_, address, _) async throws in
            let port = String(address.port ?? 0)
            #expect(
                try await runRedisCLI(["-p", port, "GET"]).output
                    == "ERR wrong number of arguments for 'get' command")
            #expect(
                try await runRedisCLI(["-p", port, "BOGUS", "x"]).output
                    == "ERR unknown command 'BOGUS', with args beginning with: 'x'")
            let piped = try await runRedisCLI(
                ["-p", port], input: "SET k1 v1\nMSET k2 v2 k3 v3\nKEYS k*\nDBSIZE\n")
            #expect(piped.output.split(separator: "\n") == ["OK", "OK", "k1", "k2", "k3", "3"])
            let members = try await runRedisCLI(["-p", port, "MEMBERS"])
            #expect(members.status == 0 && members.output.contains("test-node"))
            let info = try await runRedisCLI(["-p", port, "INFO", "cluster"])
            #expect(info.output.contains("members:2"))
        }
    }

    @Test("redis-cli --scan iterates every key through SCAN cursors")
    func scan() async throws {
        try await withServer { (_, address, backend) async throws in
            for index in 0..<250 { _ = try await backend.put(Array("key:\(index)".utf8), [1], expiry: nil) }
            let scanned = try await runRedisCLI([
                "-p", String(address.port ?? 0), "--scan", "--pattern", "key:*",
            ])
            #expect(
                Set(scanned.output.split(separator: "\n").map(String.init))
                    == Set((0..<250).map { "key:\($0)" }))
        }
    }

    @Test("redis-cli sends CONFIG GET, AUTH and the shorthand string commands as Redis answers them")
    func compatibilityCommands() async throws {
        try await withServer { (_, address, _) async throws in
            let port = String(address.port ?? 0)
            let piped = try await runRedisCLI(
                ["-p", port],
                input:
                    "SETNX k a\nAPPEND k bc\nGETSET k x\nSETEX t 100 v\nGETEX t PERSIST\nTTL t\nCONFIG GET appendonly\n"
            )
            #expect(
                piped.output.split(separator: "\n") == ["1", "3", "abc", "OK", "v", "-1", "appendonly", "no"])
            let auth = try await runRedisCLI(["-p", port, "-a", "secret", "--no-auth-warning", "PING"])
            #expect(auth.output.contains("AUTH <password> called without any password configured"))
        }
    }

    @Test("redis-cli -a PASS authenticates; without it or with a wrong one the command is refused")
    func redisCLIPassword() async throws {
        try await withServer({ $0.requirePassword = ClientPassword("cli-secret") }) { _, address, _ in
            let port = String(address.port ?? 0)
            let ok = try await runRedisCLI([
                "-p", port, "-a", "cli-secret", "--no-auth-warning", "SET", "k", "v",
            ])
            #expect(ok == CLIResult(output: "OK"))
            let get = try await runRedisCLI(["-p", port, "-a", "cli-secret", "--no-auth-warning", "GET", "k"])
            #expect(get == CLIResult(output: "v"))
            let missing = try await runRedisCLI(["-p", port, "GET", "k"])
            #expect(missing.output.contains("NOAUTH Authentication required."))
            let wrong = try await runRedisCLI(["-p", port, "-a", "nope", "--no-auth-warning", "GET", "k"])
            #expect(wrong.output.contains("WRONGPASS"))
            #expect(!wrong.output.contains("\nv"))
        }
    }

    // --no-raw makes redis-cli print the reply types: RESP3 maps as `1# "field" => value`.
    @Test("redis-cli -3 speaks RESP3: HELLO and CONFIG GET are maps, nulls read as nil, MULTI/EXEC works")
    func resp3() async throws {
        try await withServer { (_, address, _) async throws in
            let port = String(address.port ?? 0)
            let hello = try await runRedisCLI(["-3", "--no-raw", "-p", port, "HELLO", "3"])
            #expect(
                hello.output.split(separator: "\n").prefix(3) == [
                    "1# \"server\" => \"redis\"", "2# \"version\" => \"7.0.0\"",
                    "3# \"proto\" => (integer) 3",
                ])
            #expect(
                try await runRedisCLI(["-3", "--no-raw", "-p", port, "CONFIG", "GET", "save"])
                    == CLIResult(output: "1# \"save\" => \"\""))
            #expect(
                try await runRedisCLI(["--no-raw", "-p", port, "CONFIG", "GET", "save"])
                    == CLIResult(output: "1) \"save\"\n2) \"\""))
            #expect(
                try await runRedisCLI(["-3", "--no-raw", "-p", port, "GET", "missing"])
                    == CLIResult(output: "(nil)"))
            let transaction = try await runRedisCLI(
                ["-3", "--no-raw", "-p", port], input: "MULTI\nSET k 5\nINCR k\nGET missing\nEXEC\n")
            #expect(
                transaction.output.split(separator: "\n") == [
                    "OK", "QUEUED", "QUEUED", "QUEUED", "1) OK", "2) (integer) 6", "3) (nil)",
                ])
            let info = try await runRedisCLI(["-3", "-p", port, "CLIENT", "INFO"])
            #expect(info.output.contains(" resp=3 "), "\(info)")
        }
    }

    @Test("redis-benchmark reads the server's CONFIG and completes a short run")
    func benchmarkStarts() async throws {
        let benchmark = "/usr/bin/redis-benchmark"
        guard FileManager.default.isExecutableFile(atPath: benchmark) else { return }
        try await withServer { (_, address, _) async throws in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: benchmark)
            process.arguments = [
                "-p", String(address.port ?? 0), "-n", "200", "-c", "2", "-P", "4", "-t", "set,get", "-q",
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(!text.contains("Could not fetch server CONFIG"), "\(text)")
            #expect(text.contains("GET:"), "\(text)")
        }
    }
}
