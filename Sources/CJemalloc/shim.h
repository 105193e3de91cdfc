#ifndef KNOOPPUNT_CJEMALLOC_SHIM_H
#define KNOOPPUNT_CJEMALLOC_SHIM_H
// jemalloc (Debian: libjemalloc-dev, 5.x, unprefixed): the knooppunt binary links it, so its
// malloc and free serve the whole process. Only its control call is declared here: its own
// header redeclares malloc and free, which Swift would then see twice.
#include <stddef.h>
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#endif
