// Which memory allocator the running process uses, for the start-up log.
//
// The build links tcmalloc into the server binary when it can (cmake/allocator.cmake);
// this checks at run time that the process's `malloc` really resolves to it, since a
// link order mistake or an LD_PRELOAD would silently put another malloc in front.
// Thread-safety: pure function of the loaded libraries; call from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace wshub::app {

// "tcmalloc 2.10", "glibc", or "other (tcmalloc linked but not in use)" when
// something else, e.g. an LD_PRELOADed allocator, answers malloc.
std::string allocator_description();

// The heap as the allocator in use accounts it (tcmalloc's properties, the
// sanitizer allocator's counters, glibc's mallinfo2). `free` is memory the
// allocator keeps for reuse and the kernel still counts as resident;
// `unmapped` was returned to the kernel (0 where the allocator does not say:
// glibc). Thread-safety: any thread; the three are not one snapshot.
struct HeapStats {
  std::uint64_t in_use = 0;
  std::uint64_t free = 0;
  std::uint64_t unmapped = 0;
};
HeapStats heap_stats();

}  // namespace wshub::app
