#include "sidecar/app/allocator.h"

#include <cstdlib>  // defines __GLIBC__ on glibc, which the checks below need
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace wss::app {

void tuneAllocator() {
#if defined(__GLIBC__)
  // Both: glibc doubles the trim threshold whenever it raises the mmap threshold, which may
  // already have happened before main (static initialisers), and setting one leaves the other.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
}

void returnFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace wss::app
