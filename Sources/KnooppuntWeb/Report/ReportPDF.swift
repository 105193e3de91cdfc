import Foundation
import Synchronization

/// The situation report as a PDF, printed by a headless Chromium (`--print-to-pdf`) from the
/// same HTML the browser shows: the layout is the print style sheet's, and no PDF is written
/// by hand. The desk does not bundle a browser; when none is installed the route answers 503
/// with a Dutch message (printing from the page, Ctrl+P, always works).
enum ReportPDF {
    /// How long one print may take before it is stopped (a cold Chromium on a busy 2-core
    /// machine starts in a few seconds).
    static let timeout: Duration = .seconds(60)
    /// How often a running print is checked; waiting never blocks a thread.
    static let pollInterval: Duration = .milliseconds(100)
    /// The browsers looked for on `PATH`, in order, after `KNOOPPUNT_CHROMIUM`.
    static let candidates = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
    /// Prints at once, at most: each is a browser process of a few hundred MB.
    static let maximumConcurrentPrints = 2
    private static let running = Mutex(0)

    /// Takes one of the ``maximumConcurrentPrints`` places; false when all are taken.
    static func reserve() -> Bool {
        running.withLock { count in
            guard count < maximumConcurrentPrints else { return false }
            count += 1
            return true
        }
    }

    static func release() { running.withLock { $0 -= 1 } }

    enum Failure: Error, Equatable {
        /// No Chromium on this machine: the PDF cannot be made here.
        case noBrowser
        /// The browser ran but made no PDF (its exit status), or took longer than ``timeout``.
        case printFailed(Int32)
        case timedOut
    }

    /// The browser to print with: `KNOOPPUNT_CHROMIUM` when it names a program, else the first
    /// of ``candidates`` on `PATH`; nil when there is none.
    static func browser(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let files = FileManager.default
        if let chosen = environment["KNOOPPUNT_CHROMIUM"], !chosen.isEmpty {
            return files.isExecutableFile(atPath: chosen) ? chosen : nil
        }
        let folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in candidates {
            for folder in folders where files.isExecutableFile(atPath: folder + "/" + name) {
                return folder + "/" + name
            }
        }
        return nil
    }

    /// Prints `html` (a page that loads nothing from the network) to PDF bytes with `browser`.
    static func print(html: String, browser: String) async throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("knooppunt-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html")
        let pdf = folder.appendingPathComponent("report.pdf")
        try Data(html.utf8).write(to: page)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(folder.path)/profile", "--no-pdf-header-footer", "--print-to-pdf-no-header",
            "--print-to-pdf=\(pdf.path)", page.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning {
            if clock.now > deadline {
                process.terminate()
                throw Failure.timedOut
            }
            try await Task.sleep(for: pollInterval)
        }
        guard process.terminationStatus == 0, let bytes = try? Data(contentsOf: pdf),
            bytes.starts(with: Array("%PDF".utf8))
        else { throw Failure.printFailed(process.terminationStatus) }
        return Array(bytes)
    }
}
