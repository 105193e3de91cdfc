#ifndef KNOOPPUNT_CZSTD_SHIM_H
#define KNOOPPUNT_CZSTD_SHIM_H
// Zstandard's public C API (Debian: libzstd-dev, 1.5.x): the log entries in etcd.
#include <zstd.h>
#endif
