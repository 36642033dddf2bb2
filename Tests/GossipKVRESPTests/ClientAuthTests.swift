import GossipKVRESP
import Testing

/// `requirepass`: what a connection may do before and after AUTH, as Redis 7 answers it.
@Suite("Client authentication (requirepass)")
struct ClientAuthTests {
    static let password = ClientPassword("s3cret pass")!
    static let noAuth = RESPValue.error("NOAUTH Authentication required.")
    static let wrongPass = RESPValue.error("WRONGPASS invalid username-password pair or user is disabled.")

    @Test("the password compares equal only to itself, whatever the attempt's length")
    func passwordMatching() {
        let password = Self.password
        #expect(password.matches(Array("s3cret pass".utf8)))
        for attempt in ["", "s", "s3cret pas", "s3cret passs", "S3cret pass", "s3cret pasT", "s3cret pass\n"]
        {
            #expect(!password.matches(Array(attempt.utf8)), "accepted '\(attempt)'")
        }
        // An attempt that repeats the password cyclically must not pass the cyclic walk.
        #expect(!password.matches(Array("s3cret passs3cret pass".utf8)))
        #expect(ClientPassword("") == nil)
        #expect(!"\(password)".contains("s3cret"))
    }

    @Test("before AUTH every command but AUTH, HELLO AUTH and QUIT gets NOAUTH, PING included")
    func refusedBeforeAuth() async {
        var client = ExecutorHarness(password: Self.password)
        for command in [
            ["GET", "a"], ["SET", "a", "1"], ["PING"], ["FLUSHALL"], ["CLIENT", "ID"], ["MULTI"],
        ] {
            #expect(await client.run(bytes: command.map { Array($0.utf8) }) == Self.noAuth, "\(command)")
        }
        // The pipelined fast path must not bypass the check either.
        #expect(CommandExecutor.plainOperation(RESPCommand("GET", "a"), client.session) == nil)
        #expect(await client.backend.get(Array("a".utf8)) == nil)
        // Unknown commands and wrong arity are reported first, as in Redis.
        guard case let .error(message) = await client.run("NOSUCH") else {
            Issue.record("NOSUCH was not refused")
            return
        }
        #expect(message.hasPrefix("ERR unknown command"))
        #expect(
            await client.run("HELLO", "3")
                == .error(
                    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
                        + "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
                        + "protocol version at the same time"))
        #expect(client.session.protocolVersion == .resp2)
        #expect(await client.executor.execute(RESPCommand("QUIT"), session: &client.session).closeAfterReply)
    }

    @Test("a wrong password or user gets WRONGPASS and leaves the connection locked")
    func wrongPassword() async {
        var client = ExecutorHarness(password: Self.password)
        #expect(await client.run("AUTH", "wrong") == Self.wrongPass)
        #expect(await client.run("AUTH", "default", "wrong") == Self.wrongPass)
        #expect(await client.run("AUTH", "alice", "s3cret pass") == Self.wrongPass)
        #expect(await client.run("AUTH", "a", "b", "c") == .error("ERR syntax error"))
        #expect(await client.run("GET", "a") == Self.noAuth)
        #expect(client.executor.server.snapshot.authenticationFailures == 3)
        #expect(await client.run("AUTH", "s3cret pass") == .ok)
        guard case let .bulkString(info) = await client.run("INFO", "stats") else {
            Issue.record("INFO stats did not answer a bulk string")
            return
        }
        #expect(String(decoding: info ?? [], as: UTF8.self).contains("acl_access_denied_auth:3\r\n"))
    }

    @Test("AUTH password and AUTH default password unlock the connection, and only it")
    func authUnlocks() async {
        var client = ExecutorHarness(password: Self.password)
        var other = ExecutorHarness(sharing: client)
        #expect(await client.run("AUTH", "s3cret pass") == .ok)
        #expect(await client.run("SET", "a", "1") == .ok)
        #expect(CommandExecutor.plainOperation(RESPCommand("GET", "a"), client.session) != nil)
        #expect(await other.run("GET", "a") == Self.noAuth)
        #expect(await other.run("AUTH", "default", "s3cret pass") == .ok)
        #expect(await other.run("GET", "a") == .b("1"))
        // A later wrong AUTH does not log the connection out (Redis keeps it authenticated).
        #expect(await other.run("AUTH", "nope") == Self.wrongPass)
        #expect(await other.run("PING") == .simpleString("PONG"))
    }

    @Test("HELLO 3 AUTH checks the password as AUTH does and switches protocol only when right")
    func helloAuth() async {
        var client = ExecutorHarness(password: Self.password)
        #expect(await client.run("HELLO", "3", "AUTH", "default", "wrong") == Self.wrongPass)
        #expect(client.session.protocolVersion == .resp2)
        guard case .map = await client.run("HELLO", "3", "AUTH", "default", "s3cret pass", "SETNAME", "w")
        else {
            Issue.record("HELLO 3 AUTH with the right password was refused")
            return
        }
        #expect(client.session.protocolVersion == .resp3)
        #expect(client.session.name == "w")
        #expect(await client.run("GET", "missing") == .null)
    }

    @Test("without a password AUTH keeps Redis's nopass answers")
    func withoutPassword() async {
        var client = ExecutorHarness()
        #expect(!client.session.awaitsAuthentication)
        guard case let .error(message) = await client.run("AUTH", "x") else {
            Issue.record("AUTH x answered OK without a configured password")
            return
        }
        #expect(message.hasPrefix("ERR AUTH <password> called without any password configured"))
        #expect(await client.run("AUTH", "default", "x") == .ok)
    }
}
