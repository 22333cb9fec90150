#include "redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace wshub::redis::test {
namespace {

using namespace std::chrono_literals;

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// True once something on `port` answers a PING like Redis: +PONG, or -NOAUTH
// when it wants a password.
bool answers_ping(std::uint16_t port, std::chrono::milliseconds timeout) {
  Socket s;
  const sockaddr_in addr = loopback(port);
  // Loopback: refused at once while nothing listens.
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return false;
  static constexpr char k_ping[] = "PING\r\n";
  if (::send(s.fd(), k_ping, sizeof k_ping - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof k_ping - 1)) return false;
  pollfd p{s.fd(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char first = 0;
  return ::recv(s.fd(), &first, 1, 0) == 1 && (first == '+' || first == '-');
}

std::string find_redis_server() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

}  // namespace

std::uint16_t pick_free_port() {
  Socket s;
  sockaddr_in addr = loopback(0);
  if (::bind(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return 0;
  socklen_t len = sizeof addr;
  if (::getsockname(s.fd(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

core::Expected<std::unique_ptr<RedisServer>, std::string> RedisServer::start(const Options& options) {
  const std::string binary = find_redis_server();
  if (binary.empty()) return core::unexpected(std::string("redis-server is not on PATH (scripts/install-deps.sh)"));

  char dir_template[] = "/tmp/wshub-redis-test-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return core::unexpected("mkdtemp: " + std::string(std::strerror(errno)));
  const std::string dir = dir_template;

  std::string last_error;
  // The port may be taken between pick_free_port() and redis-server's bind:
  // the server then exits, and we try another port.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::uint16_t port = pick_free_port();
    if (port == 0) {
      last_error = "cannot find a free port";
      continue;
    }
    // "-::1": also on IPv6 loopback when the machine has it (the '-' makes it optional).
    std::vector<std::string> args{binary,
                                  "--port",
                                  std::to_string(port),
                                  "--bind",
                                  "127.0.0.1",
                                  "-::1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir,
                                  "--logfile",
                                  dir + "/redis.log",
                                  "--daemonize",
                                  "no"};
    if (!options.password.empty()) {
      args.push_back("--requirepass");
      args.push_back(options.password);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return core::unexpected("fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
      // Child: only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      const int devnull = ::open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }

    std::unique_ptr<RedisServer> server(new RedisServer(dir, port, pid));
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        server->pid_ = -1;
        last_error = "redis-server exited at start (status " + std::to_string(status) + "): " + server->log_tail();
        break;
      }
      if (answers_ping(port, 200ms)) return server;
      std::this_thread::sleep_for(5ms);  // poll interval, bounded by the deadline above
    }
    if (server->running()) last_error = "redis-server did not answer PING within 10 s: " + server->log_tail();
    server->kill();
    server->dir_.clear();  // keep the directory for the next attempt
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return core::unexpected("cannot start redis-server: " + last_error);
}

RedisServer::~RedisServer() {
  kill();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string RedisServer::log_tail() const {
  std::ifstream in(dir_ + "/redis.log");
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > 10) lines.pop_front();
  }
  std::string out;
  for (const auto& line : lines) out += "\n  " + line;
  return out.empty() ? " (empty log)" : out;
}

}  // namespace wshub::redis::test
