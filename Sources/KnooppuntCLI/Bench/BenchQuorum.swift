import ArgumentParser
import Foundation
import KnooppuntBench
import KnooppuntConfig
import KnooppuntHarness
import StrictJSON

/// `knooppunt bench --quorum`: one node alone and the national node on three replicas over
/// three etcd members, measured in one run (issue 15's targets).
struct BenchQuorumOptions: ParsableArguments {
    @Flag(
        help:
            "Measure one node alone, then three replicas on three etcd members: durable ACKs/s, steady publish→ACK, failover after SIGKILL of the active, etcd's database size."
    )
    var quorum = false
    @Option(help: "With --quorum: how many times the active replica is SIGKILLed to time a failover.")
    var kills: Int = 5

    func run(_ configuration: BenchConfiguration, folder: DataFolder) throws -> JSONValue {
        guard EtcdCluster.installedBinary() != nil else {
            throw ValidationError(
                "--quorum needs etcd: run scripts/setup.sh (it installs Debian's etcd-server)")
        }
        var configuration = configuration
        configuration.throughDaemons = false
        return try QuorumBenchmark(configuration: configuration, folder: folder, kills: max(1, kills)) {
            line in
            FileHandle.standardError.write(Data("[bench] \(line)\n".utf8))
        }.run()
    }
}
