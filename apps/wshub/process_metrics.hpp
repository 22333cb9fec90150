// The process-level part of /metrics: Prometheus's standard process_* family
// (CPU seconds, resident and virtual memory, descriptors and their limit,
// start time), read from /proc/self, and wshub_heap_bytes, the allocator's own
// account of the heap (allocator.hpp). Together they tell an operator whether
// a growing RSS is memory the server holds or memory its allocator keeps.
//
// Thread-safety: reads the process's own state; callable from any thread.
#pragma once

#include <string>

namespace wshub::app {

// Appends the families to `out` in the text format 0.0.4. A value that cannot
// be read (no /proc) is left out rather than shown as 0.
void render_process_metrics(std::string& out);

}  // namespace wshub::app
