#ifndef KNOOPPUNT_CZEROMQ_SHIM_H
#define KNOOPPUNT_CZEROMQ_SHIM_H
// libzmq's public C API (Debian: libzmq3-dev, 4.3.x, no DRAFT API).
#include <zmq.h>
#include <sys/eventfd.h>
#endif
