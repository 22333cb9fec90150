# Global sanitizer flags: every object, including tests, must agree on instrumentation.
if(WSHUB_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(WSHUB_SANITIZE STREQUAL "thread")
  # GCC warns that TSan does not model atomic_thread_fence, which Asio uses.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  add_link_options(-fsanitize=thread)
elseif(NOT WSHUB_SANITIZE STREQUAL "")
  message(FATAL_ERROR "WSHUB_SANITIZE must be '', 'address' or 'thread'")
endif()
