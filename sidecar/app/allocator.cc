#include "sidecar/app/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace wss::app {

void tuneAllocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

void returnFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace wss::app
