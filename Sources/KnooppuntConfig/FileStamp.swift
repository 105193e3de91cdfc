import Foundation

/// A file's modification time and size (empty when it does not exist): enough to notice that a
/// configuration or key file changed without reading it.
public struct FileStamp: Equatable, Sendable {
    var seconds: Int = 0
    var nanoseconds: Int = 0
    var size: Int64 = -1

    public init(_ url: URL) {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return }
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
        size = Int64(info.st_size)
    }
}
