#include "apps/wshub/allocator.hpp"

#include <dlfcn.h>

#if defined(WSHUB_WITH_TCMALLOC)
#include <gperftools/malloc_extension.h>
#include <gperftools/tcmalloc.h>
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <cstddef>
// The sanitizer runtimes' allocator statistics (compiler-rt's
// sanitizer/allocator_interface.h, a header GCC does not install).
extern "C" {
std::size_t __sanitizer_get_current_allocated_bytes();
std::size_t __sanitizer_get_free_bytes();
std::size_t __sanitizer_get_unmapped_bytes();
}
#else
#include <malloc.h>
#endif

namespace wshub::app {

std::string allocator_description() {
#ifdef WSHUB_WITH_TCMALLOC
  // tcmalloc exports malloc as an alias of tc_malloc: the global lookup of
  // `malloc` finds tcmalloc's only when it comes before the C library's.
  void* const malloc_in_use = dlsym(RTLD_DEFAULT, "malloc");
  void* const tc = dlsym(RTLD_DEFAULT, "tc_malloc");
  if (malloc_in_use == nullptr || malloc_in_use != tc) return "other (tcmalloc linked but not in use)";
  int major = 0;
  int minor = 0;
  const char* patch = nullptr;
  tc_version(&major, &minor, &patch);
  return "tcmalloc " + std::to_string(major) + "." + std::to_string(minor) + (patch != nullptr ? patch : "");
#else
  return "glibc";
#endif
}

HeapStats heap_stats() {
  HeapStats h;
#if defined(WSHUB_WITH_TCMALLOC)
  auto property = [](const char* name) {
    std::size_t v = 0;
    MallocExtension::instance()->GetNumericProperty(name, &v);
    return static_cast<std::uint64_t>(v);
  };
  // heap_size counts every page tcmalloc took from the kernel, unmapped ones
  // included; what is neither in use nor unmapped sits in its caches.
  const std::uint64_t heap = property("generic.heap_size");
  h.in_use = property("generic.current_allocated_bytes");
  h.unmapped = property("tcmalloc.pageheap_unmapped_bytes");
  h.free = heap > h.in_use + h.unmapped ? heap - h.in_use - h.unmapped : 0;
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  h.in_use = __sanitizer_get_current_allocated_bytes();
  h.free = __sanitizer_get_free_bytes();
  h.unmapped = __sanitizer_get_unmapped_bytes();
#else
  const struct mallinfo2 m = mallinfo2();
  h.in_use = m.uordblks + m.hblkhd;
  h.free = m.fordblks;
#endif
  return h;
}

}  // namespace wshub::app
