# The memory allocator of the wshub server binary.
#
#   WSHUB_MALLOC=auto      tcmalloc (gperftools' libtcmalloc_minimal) when found and no
#                          sanitizer is on, else the C library's malloc (the default)
#   WSHUB_MALLOC=tcmalloc  tcmalloc, or fail
#   WSHUB_MALLOC=system    the C library's malloc
#
# Why: glibc grows a thread's arena one page at a time, with an mprotect per page,
# and its malloc path is longer than tcmalloc's per-thread caches. A connection
# set-up allocates ~50 blocks on a shard thread; storm CPU per connection measured
# 19 % lower with tcmalloc (median 102 -> 82.7 us; docs/ARCHITECTURE.md, "Memory allocator").
# Sanitizers replace malloc themselves, so they always get the system allocator.
#
# Defines the INTERFACE target wshub_allocator: link it into executables only.
set(WSHUB_MALLOC "auto" CACHE STRING "Allocator of the wshub binary: auto, tcmalloc or system")
set_property(CACHE WSHUB_MALLOC PROPERTY STRINGS auto tcmalloc system)

add_library(wshub_allocator INTERFACE)
set(_wshub_malloc system)
if(WSHUB_MALLOC STREQUAL "tcmalloc" OR WSHUB_MALLOC STREQUAL "auto")
  if(NOT WSHUB_SANITIZE STREQUAL "")
    if(WSHUB_MALLOC STREQUAL "tcmalloc")
      message(FATAL_ERROR "WSHUB_MALLOC=tcmalloc cannot be combined with WSHUB_SANITIZE=${WSHUB_SANITIZE}")
    endif()
  else()
    find_package(PkgConfig)
    if(PkgConfig_FOUND)
      pkg_check_modules(TCMALLOC IMPORTED_TARGET libtcmalloc_minimal)
    endif()
    if(TCMALLOC_FOUND)
      set(_wshub_malloc tcmalloc)
    elseif(WSHUB_MALLOC STREQUAL "tcmalloc")
      message(FATAL_ERROR "WSHUB_MALLOC=tcmalloc: libtcmalloc_minimal not found (Debian: libgoogle-perftools-dev)")
    endif()
  endif()
elseif(NOT WSHUB_MALLOC STREQUAL "system")
  message(FATAL_ERROR "WSHUB_MALLOC must be auto, tcmalloc or system")
endif()

if(_wshub_malloc STREQUAL "tcmalloc")
  target_link_libraries(wshub_allocator INTERFACE PkgConfig::TCMALLOC)
  target_compile_definitions(wshub_allocator INTERFACE WSHUB_WITH_TCMALLOC)
endif()
message(STATUS "wshub allocator: ${_wshub_malloc} (WSHUB_MALLOC=${WSHUB_MALLOC})")
