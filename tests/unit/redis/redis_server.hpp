// RedisServer: a real redis-server child process for tests, on a free loopback
// port (127.0.0.1, and ::1 when the machine has IPv6), in its own temporary
// directory, with persistence off.
//
// start() picks a free port (bind port 0, read it, close; redis-server has no
// "--port 0"), starts the server, and polls it with PING until it answers or
// a deadline passes; when the port was taken meanwhile and the server exits,
// it retries on another port. The destructor kills the server (SIGKILL) and
// removes the directory; the server also dies with the test process
// (PR_SET_PDEATHSIG).
//
// Thread-safety: not thread-safe; use it from the test's thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/expected.hpp"

namespace wshub::redis::test {

class RedisServer {
 public:
  struct Options {
    std::string password;  // --requirepass when not empty
  };

  static core::Expected<std::unique_ptr<RedisServer>, std::string> start(const Options& options);
  static core::Expected<std::unique_ptr<RedisServer>, std::string> start() { return start(Options{}); }

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  bool running() const noexcept { return pid_ > 0; }

  // SIGKILL now and reap the process: the server vanishes without a goodbye.
  void kill();

  // The end of the server's log, for failure messages.
  std::string log_tail() const;

 private:
  RedisServer(std::string dir, std::uint16_t port, pid_t pid) : dir_(std::move(dir)), port_(port), pid_(pid) {}

  std::string dir_;
  std::uint16_t port_;
  pid_t pid_;
};

// A loopback port that was free a moment ago (bound to port 0, then closed).
std::uint16_t pick_free_port();

}  // namespace wshub::redis::test
