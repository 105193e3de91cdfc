import ArgumentParser
import Foundation
import KnooppuntCertificates
import KnooppuntConfig
import KnooppuntDomain
import KnooppuntHarness
import KnooppuntProtocol

// The quorum deployment of `knooppunt cluster`: the etcd members it starts, watches and stops,
// and what it prints while the replicas come up.
extension ClusterCommand {
    /// How the national node runs, in the header line.
    var nodeDescription: String {
        switch deployment {
        case .quorum: "the national node on three replicas over three etcd members"
        case .single: "the national node"
        }
    }

    /// One progress line while starting.
    func progress(_ line: String) {
        print("[cluster] \(line)")
        flushStandardOutput()
    }

    /// Starts the etcd members under DIR/etcd and waits until they have a leader. Refuses,
    /// with what to do, when etcd is not installed or when the folder holds a network that
    /// ran without etcd (its replicas would cut from their stores what etcd never committed).
    func startEtcd() throws -> EtcdCluster {
        let data = folder.folder
        guard EtcdCluster.installedBinary() != nil else {
            printError(
                "etcd is not installed. The national node runs on three etcd members by default: install Debian's etcd-server with `scripts/setup.sh run` (or `sudo apt-get install etcd-server`), or set KNOOPPUNT_ETCD_BIN; or run one node alone with --single-node."
            )
            throw ExitCode.failure
        }
        if !LocalEtcd.exists(data),
            let store = [PairRole.primary, .backup].map(data.store(of:)).first(where: {
                FileManager.default.fileExists(atPath: $0.path)
            })
        {
            printError(
                "\(store.path) holds a national node that ran without etcd: its replicas on etcd would keep only what etcd committed. Run this folder with --single-node (the primary's store serves alone; the hot-standby pair is retired), or start the replicas in a new --dir."
            )
            throw ExitCode.failure
        }
        let cluster = try LocalEtcd.cluster(data, basePort: port)
        let left = cluster.stopLeftovers()
        if !left.isEmpty {
            progress("stopped etcd members left from an earlier run: \(left.joined(separator: ", "))")
        }
        progress(
            "starting \(cluster.members.count) etcd members on 127.0.0.1\(cluster.tls == nil ? "" : " with TLS (certificates in \(short(EtcdTLSFiles(data).folder.path)))") (client ports \(cluster.members.map { String($0.clientPort) }.joined(separator: ", ")); data and logs in \(short(LocalEtcd.folder(data).path)))…"
        )
        let started = ContinuousClock.now
        do {
            try cluster.start()
        } catch {
            cluster.stopAll()
            printError("etcd did not start: \(error)")
            throw ExitCode.failure
        }
        cluster.writePIDFiles()
        let seconds = Double(started.duration(to: .now).components.seconds)
        progress(
            String(format: "etcd has a leader and every member is healthy (%.0f s)", seconds.rounded(.up)))
        return cluster
    }

    /// Restarts members that exited by themselves (the supervisor's duty for the nodes).
    func superviseEtcd(_ cluster: EtcdCluster?) {
        guard let cluster else { return }
        let restarted = cluster.restartExited()
        guard !restarted.isEmpty else { return }
        cluster.writePIDFiles()
        progress("restarted \(restarted.joined(separator: ", "))")
    }

    /// Stops the members after every node and daemon stopped (they need etcd until then).
    func stopEtcd(_ cluster: EtcdCluster) {
        let killed = cluster.stopAll()
        progress(
            killed.isEmpty
                ? "etcd stopped cleanly."
                : "etcd stopped (\(killed.joined(separator: ", ")) after SIGKILL: a member stopping with the others can wait for a leader transfer; its data is on disk)"
        )
    }

    /// Every replica answers and holds the active's last sequence.
    func replicasCaughtUp(_ network: NetworkConfig, with active: NodeStatus) -> Bool {
        let statuses = NodeStatus.all(folder.folder, network, timeout: .milliseconds(500))
        return statuses.allSatisfy { entry in
            guard let status = entry.status else { return false }
            return status.lastSequence == active.lastSequence
        }
    }
}

/// What changed while the network comes up, printed once per change.
struct ReadyProgress {
    private var lastActive: String?
    private var lastConverged = -1

    mutating func report(_ status: NodeStatus, daemons: [OrganisationCode], print: (String) -> Void) {
        let active =
            "\(status.role) in epoch \(status.epoch) (pid \(status.pid))"
        if active != lastActive {
            lastActive = active
            print("national node serving: \(active)")
        }
        let converged = daemons.filter { status.party($0)?.converged == true }.count
        if converged != lastConverged {
            lastConverged = converged
            print("daemons holding the node's picture: \(converged) of \(daemons.count)")
        }
    }
}
