// How the daemon uses glibc's allocator so RSS follows the live state, not its high-water mark.
//
// Measured with bench/ingest/rss-bench (100,000 agents, a full duration window and a task in
// flight each, fed through nats-server): 637-727 B of RSS per agent-with-a-task on glibc's
// defaults against about 420 B of live state; 423-440 B with both steps below.
// - Big tables (agents, tasks, indexes, queue buffers) grow by doubling. glibc raises its mmap
//   threshold each time such a block is freed, so later big blocks land in the heap, and their
//   holes stay resident. A fixed threshold keeps every block over 256 KiB in its own mapping,
//   given back the moment it is freed.
// - A burst parks hundreds of thousands of events in the queue; once drained, their memory is
//   free but glibc keeps the pages. malloc_trim(0) returns every free page: it walks the free
//   lists (a few ms at 100 MB), so it runs after a backlog and with maintenance, not per event.
#pragma once

namespace wss::app {

// Once, at start, before other threads allocate.
void tuneAllocator();
// Gives free heap pages back to the kernel.
void returnFreeMemory();

}  // namespace wss::app
