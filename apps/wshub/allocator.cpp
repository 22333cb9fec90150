#include "apps/wshub/allocator.hpp"

#include <dlfcn.h>

#ifdef WSHUB_WITH_TCMALLOC
#include <gperftools/tcmalloc.h>
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

}  // namespace wshub::app
