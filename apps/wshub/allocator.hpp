// Which memory allocator the running process uses, for the start-up log.
//
// The build links tcmalloc into the server binary when it can (cmake/allocator.cmake);
// this checks at run time that the process's `malloc` really resolves to it, since a
// link order mistake or an LD_PRELOAD would silently put another malloc in front.
// Thread-safety: pure function of the loaded libraries; call from any thread.
#pragma once

#include <string>

namespace wshub::app {

// "tcmalloc 2.10", "glibc", or "other (tcmalloc linked but not in use)" when
// something else, e.g. an LD_PRELOADed allocator, answers malloc.
std::string allocator_description();

}  // namespace wshub::app
