import KnooppuntConfig
import StrictJSON
import Testing

@Suite("Hosts file")
struct HostsFileTests {
    func parse(_ value: JSONValue) throws -> HostsFile { try HostsFile.parse(value, source: "hosts.yaml") }

    @Test("a node's address: endpoint and pair endpoint from host and port, binds from listen")
    func addresses() throws {
        let file = try parse([
            "primary": ["host": "10.1.0.5", "listen": "10.1.0.5", "port": 9000],
            "backup": ["host": "knooppunt-b"], "third": ["host": "knooppunt-c"],
            "chp": ["listen": "0.0.0.0", "port": 9100],
        ])
        #expect(file.primary.endpoint == "tcp://10.1.0.5:9000")
        #expect(file.primary.bind == "tcp://10.1.0.5:9000")
        #expect(file.primary.pairEndpoint == "tcp://10.1.0.5:9001")
        #expect(file.backup?.endpoint == "tcp://knooppunt-b:\(HostsFile.defaultPort)")
        #expect(file.backup?.bind == "tcp://*:\(HostsFile.defaultPort)")
        #expect(file.primary.chpBasePort == 9100 && file.chpHost == "0.0.0.0")
        #expect(try parse(["primary": ["host": "a"]]).backup == nil)
    }

    @Test("mistakes name the file and the field")
    func mistakes() {
        let cases: [(JSONValue, String)] = [
            (["backup": ["host": "b"]], "primary is missing"),
            (["primary": ["port": 7402]], "primary.host is missing"),
            (["primary": ["host": "a", "port": 70_000]], "primary.port"),
            (["primary": ["host": "2001:db8::1"]], "brackets"),
            (["primary": ["host": "a"], "chp": ["port": "x"]], "chp.port"),
            (["primary": ["host": "a"], "standby": ["host": "b"]], "unknown key standby"),
            (["primary": ["host": "a"], "backup": ["host": "b"]], "backup needs a third"),
        ]
        for (value, message) in cases {
            #expect {
                try parse(value)
            } throws: { error in
                "\(error)".hasPrefix("hosts.yaml: ") && "\(error)".contains(message)
            }
        }
    }
}
