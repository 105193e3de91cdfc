import ArgumentParser
import Foundation
import KnooppuntBench
import StrictJSON

struct BenchZMQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmq",
        abstract: "Compare the Swift ZeroMQ layer with the same loops on libzmq's C API.",
        discussion: """
            1 KB messages over tcp loopback: round-trip latency (PAIR, one echo thread) and \
            one-way throughput (PUSH → PULL), first on the C API called directly, then through \
            ZMQSocket. Prints JSON with both and the Swift layer's cost in percent.
            """)

    @Option(help: "Round trips per run.") var roundTrips: Int = 20_000
    @Option(help: "Messages per throughput run.") var messages: Int = 200_000
    @Option(help: "Message size in bytes.") var size: Int = 1_024
    @Option(help: "Runs of each variant (the best is reported).") var runs: Int = 3

    func run() throws {
        let result = try ZMQComparison.run(roundTrips: roundTrips, messages: messages, size: size, runs: runs)
        print(JSONWriter.pretty(result))
    }
}
