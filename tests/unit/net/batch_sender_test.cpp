// BatchSender against real kernel sockets (AF_UNIX stream pairs), once with
// io_uring and once with one sendmsg per write: the two must behave the same.
#include "net/batch_sender.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <vector>

namespace wshub::net {
namespace {

struct Pair {
  int ours = -1;
  int peer = -1;
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
      ours = fds[0];
      peer = fds[1];
      ::fcntl(ours, F_SETFL, ::fcntl(ours, F_GETFL) | O_NONBLOCK);
      ::fcntl(peer, F_SETFL, ::fcntl(peer, F_GETFL) | O_NONBLOCK);
    }
  }
  ~Pair() {
    if (ours >= 0) ::close(ours);
    if (peer >= 0) ::close(peer);
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;

  std::string read_all() const {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(peer, buf, sizeof buf);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
};

class BatchSenderTest : public ::testing::TestWithParam<bool> {};

TEST_P(BatchSenderTest, ModeFollowsTheSetting) {
  BatchSender sender(GetParam());
  if (!GetParam()) {
    EXPECT_EQ(sender.mode(), BatchSender::Mode::syscalls);
  }
  // With io_uring asked for, either mode is correct: the kernel may refuse rings.
}

TEST_P(BatchSenderTest, EveryGatherWriteReachesItsOwnSocket) {
  BatchSender sender(GetParam());
  constexpr std::size_t k_sockets = 300;  // more than one ring's worth
  std::vector<Pair> pairs(k_sockets);
  std::vector<std::string> heads, bodies;
  std::vector<std::array<iovec, 3>> iovs(k_sockets);
  std::vector<SendRequest> requests;
  static char sep = '\n';
  for (std::size_t i = 0; i < k_sockets; ++i) {
    ASSERT_GE(pairs[i].ours, 0);
    heads.push_back("head-" + std::to_string(i));
    bodies.push_back(std::string(100 + i, static_cast<char>('a' + i % 26)));
  }
  for (std::size_t i = 0; i < k_sockets; ++i) {
    iovs[i] = {iovec{heads[i].data(), heads[i].size()}, iovec{&sep, 1}, iovec{bodies[i].data(), bodies[i].size()}};
    requests.push_back(SendRequest{pairs[i].ours, iovs[i].data(), 3, 0});
  }
  sender.send_all(requests);
  for (std::size_t i = 0; i < k_sockets; ++i) {
    const std::string expected = heads[i] + "\n" + bodies[i];
    EXPECT_EQ(requests[i].result, static_cast<ssize_t>(expected.size())) << i;
    EXPECT_EQ(pairs[i].read_all(), expected) << i;
  }
}

TEST_P(BatchSenderTest, AFullSocketReportsEagainOrAPrefixWithoutBlocking) {
  BatchSender sender(GetParam());
  Pair full, fine;
  int small = 4096;
  ::setsockopt(full.ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  std::string chunk(65536, 'x');
  while (::write(full.ours, chunk.data(), chunk.size()) > 0) {
  }
  ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
  std::string a(1000, 'a'), b = "hello";
  iovec ia{a.data(), a.size()}, ib{b.data(), b.size()};
  std::vector<SendRequest> requests{{full.ours, &ia, 1, 0}, {fine.ours, &ib, 1, 0}};
  sender.send_all(requests);  // returns: nothing waits for the full socket
  EXPECT_TRUE(requests[0].result == -EAGAIN ||
              (requests[0].result >= 0 && requests[0].result < static_cast<ssize_t>(a.size())))
      << requests[0].result;
  EXPECT_EQ(requests[1].result, 5);
  EXPECT_EQ(fine.read_all(), "hello");
}

TEST_P(BatchSenderTest, AClosedPeerIsAnErrorNotASignal) {
  BatchSender sender(GetParam());
  Pair gone, fine;
  ::close(gone.peer);
  gone.peer = -1;
  std::string a = "to nobody", b = "to someone";
  iovec ia{a.data(), a.size()}, ib{b.data(), b.size()};
  std::vector<SendRequest> requests{{gone.ours, &ia, 1, 0}, {fine.ours, &ib, 1, 0}};
  sender.send_all(requests);  // MSG_NOSIGNAL: no SIGPIPE kills the test
  EXPECT_EQ(requests[0].result, -EPIPE);
  EXPECT_EQ(requests[1].result, static_cast<ssize_t>(b.size()));
  EXPECT_EQ(fine.read_all(), b);
}

TEST_P(BatchSenderTest, ABadDescriptorFailsOnlyItsOwnRequest) {
  BatchSender sender(GetParam());
  Pair fine;
  std::string a = "x", b = "y";
  iovec ia{a.data(), a.size()}, ib{b.data(), b.size()};
  std::vector<SendRequest> requests{{1'000'000, &ia, 1, 0}, {fine.ours, &ib, 1, 0}};
  sender.send_all(requests);
  EXPECT_EQ(requests[0].result, -EBADF);
  EXPECT_EQ(requests[1].result, 1);
}

// The path for a ring that fails outright (io_uring_enter itself erroring,
// not one send), which the kernel gives no way to provoke: the test swaps the
// ring's descriptor for /dev/null behind the sender's back, so the submit
// fails with EOPNOTSUPP. The batch's connections must fail (-EIO, never a
// resend that could duplicate a frame) and later batches go out by sendmsg.
TEST(BatchSenderRingFailureTest, AFailedRingFailsItsBatchWithEioThenSendsOneWriteAtATime) {
  // The ring takes the lowest free descriptor when it is set up.
  const int predicted = ::dup(0);
  ASSERT_GE(predicted, 0);
  ::close(predicted);
  BatchSender sender(true);
  if (sender.mode() != BatchSender::Mode::io_uring) GTEST_SKIP() << "the kernel refuses io_uring rings";
  char target[64] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(predicted);
  ASSERT_GT(::readlink(link.c_str(), target, sizeof target - 1), 0);
  ASSERT_EQ(std::string(target), "anon_inode:[io_uring]") << "the ring is not on descriptor " << predicted;
  const int devnull = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(devnull, 0);
  ASSERT_EQ(::dup2(devnull, predicted), predicted);
  ::close(devnull);

  Pair a, b;
  std::string x = "lost", y = "also lost";
  iovec ix{x.data(), x.size()}, iy{y.data(), y.size()};
  std::vector<SendRequest> batch{{a.ours, &ix, 1, 0}, {b.ours, &iy, 1, 0}};
  sender.send_all(batch);
  EXPECT_EQ(batch[0].result, -EIO);
  EXPECT_EQ(batch[1].result, -EIO);
  EXPECT_EQ(sender.mode(), BatchSender::Mode::syscalls);
  EXPECT_EQ(a.read_all(), "");  // the sends never reached the kernel
  EXPECT_EQ(b.read_all(), "");

  std::string p = "first", q = "second";
  iovec ip{p.data(), p.size()}, iq{q.data(), q.size()};
  std::vector<SendRequest> later{{a.ours, &ip, 1, 0}, {b.ours, &iq, 1, 0}};
  sender.send_all(later);
  EXPECT_EQ(later[0].result, static_cast<ssize_t>(p.size()));
  EXPECT_EQ(later[1].result, static_cast<ssize_t>(q.size()));
  EXPECT_EQ(a.read_all(), p);
  EXPECT_EQ(b.read_all(), q);
}

INSTANTIATE_TEST_SUITE_P(Modes, BatchSenderTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "io_uring" : "sendmsg"; });

}  // namespace
}  // namespace wshub::net
