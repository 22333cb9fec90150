// send_contention: the sender's CPU per 100-byte loopback send in io_uring
// batches, with one or two sender threads bursting at the same moment, and
// one shared or one reader thread (epoll) per sender on the receiving side.
//
// It isolates what docs/ARCHITECTURE.md "What a cross-instance delivery
// costs" describes: on loopback the receiver's TCP processing and wake-up run
// in the sender's context, and two senders bursting at the same moment (two
// wshub instances delivering one publication on a 2-core machine) each pay
// about twice what one sender alone pays per send, with a shared reader
// epoll or one each.
//
// Build and run (not part of the build or of CI; needs liburing-dev):
//   cc -O2 -o /tmp/send_contention bench/probes/send_contention.c -luring -lpthread
//   /tmp/send_contention 1 1    # one sender, one reader
//   /tmp/send_contention 2 1    # two senders at once, one shared reader epoll
//   /tmp/send_contention 2 0    # two senders at once, a reader each
// Arguments: SENDERS (1-8) SHARED_READER (1/0). Each sender owns
// CONNECTIONS / SENDERS connections (8,000 in all: 16,000 descriptors) and
// sends one IORING_OP_SENDMSG to each of BURST of them per burst, every 5 ms,
// three times round. Prints each sender's thread CPU time per send.
// SEND_OP=send makes each send one IORING_OP_SEND of one contiguous buffer
// (no msghdr, no iovec array); SEND_OP=fixed does the same on descriptors
// registered with the ring (IOSQE_FIXED_FILE: no file lookup or reference
// count per send). wshub sends IORING_OP_SENDMSG on plain descriptors.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTIONS = 8000, BURST = 50, ROUNDS = 3, MAX_THREADS = 8 };

static int senders = 1, shared_reader = 1;
static int server_fd[CONNECTIONS], client_fd[CONNECTIONS];
static volatile int stop;
static pthread_barrier_t burst_start;

static double thread_cpu_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

// Reads everything that arrives on its connections (all of them, or those of
// sender k) until stopped.
static void *reader(void *arg) {
  const long k = (long)arg;
  const int ep = epoll_create1(0);
  for (int i = 0; i < CONNECTIONS; i++) {
    if (!shared_reader && i % senders != k) continue;
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.fd = client_fd[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, client_fd[i], &e);
  }
  struct epoll_event ev[512];
  char buf[4096];
  while (!stop) {
    const int n = epoll_wait(ep, ev, 512, 100);
    for (int i = 0; i < n; i++) {
      while (read(ev[i].data.fd, buf, sizeof buf) > 0) {
      }
    }
  }
  close(ep);
  return NULL;
}

// Sender k: its connections are those with i % senders == k.
static void *sender(void *arg) {
  const long k = (long)arg;
  struct io_uring ring;
  if (io_uring_queue_init(256, &ring, 0) != 0) {
    fprintf(stderr, "io_uring_queue_init failed\n");
    exit(1);
  }
  char frame[102];  // a text frame header and 100 bytes of payload
  memset(frame, 'x', sizeof frame);
  frame[0] = (char)0x81;
  frame[1] = 100;
  struct iovec iov[2] = {{frame, 2}, {frame + 2, 100}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  const char *op = getenv("SEND_OP");
  const int plain_send = op != NULL && strcmp(op, "send") == 0;
  const int fixed = op != NULL && strcmp(op, "fixed") == 0;
  static int mine[MAX_THREADS][CONNECTIONS];
  int count = 0;
  for (int i = 0; i < CONNECTIONS; i++) {
    if (i % senders == k) mine[k][count++] = server_fd[i];
  }
  if (fixed && io_uring_register_files(&ring, mine[k], (unsigned)count) != 0) {
    fprintf(stderr, "io_uring_register_files failed\n");
    exit(1);
  }
  double cpu = 0;
  long sends = 0;
  for (int round = 0; round < ROUNDS; round++) {
    for (int off = 0; off < count; off += BURST) {
      pthread_barrier_wait(&burst_start);
      usleep(5000);
      const double t0 = thread_cpu_us();
      const int n = count - off < BURST ? count - off : BURST;
      for (int i = off; i < off + n; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        if (fixed) {
          io_uring_prep_send(sqe, i, frame, sizeof frame, MSG_NOSIGNAL);  // i: the slot registered above
          sqe->flags |= IOSQE_FIXED_FILE;
        } else if (plain_send) {
          io_uring_prep_send(sqe, mine[k][i], frame, sizeof frame, MSG_NOSIGNAL);
        } else {
          io_uring_prep_sendmsg(sqe, mine[k][i], &msg, MSG_NOSIGNAL);
        }
      }
      io_uring_submit_and_wait(&ring, (unsigned)n);
      struct io_uring_cqe *cqe;
      unsigned head, seen = 0;
      io_uring_for_each_cqe(&ring, head, cqe) {
        if (cqe->res != (int)sizeof frame) fprintf(stderr, "send returned %d\n", cqe->res);
        seen++;
      }
      io_uring_cq_advance(&ring, seen);
      cpu += thread_cpu_us() - t0;
      sends += n;
    }
  }
  printf("sender %ld: %.2f us of CPU per send (%ld sends)\n", k, cpu / (double)sends, sends);
  io_uring_queue_exit(&ring);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) senders = atoi(argv[1]);
  if (argc > 2) shared_reader = atoi(argv[2]);
  if (senders < 1 || senders > MAX_THREADS) {
    fprintf(stderr, "usage: %s [SENDERS 1-%d] [SHARED_READER 1|0]\n", argv[0], MAX_THREADS);
    return 2;
  }
  struct rlimit rl = {2 * CONNECTIONS + 100, 2 * CONNECTIONS + 100};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    perror("setrlimit");
    return 1;
  }
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4096) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
    perror("listen");
    return 1;
  }
  const int one = 1;
  for (int i = 0; i < CONNECTIONS; i++) {
    client_fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(client_fd[i], (struct sockaddr *)&addr, sizeof addr);  // completes at once on loopback
    server_fd[i] = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
    if (client_fd[i] < 0 || server_fd[i] < 0) {
      perror("connect/accept");
      return 1;
    }
    setsockopt(server_fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  const int readers = shared_reader ? 1 : senders;
  pthread_t r[MAX_THREADS], s[MAX_THREADS];
  for (long k = 0; k < readers; k++) pthread_create(&r[k], NULL, reader, (void *)k);
  pthread_barrier_init(&burst_start, NULL, (unsigned)senders);
  for (long k = 0; k < senders; k++) pthread_create(&s[k], NULL, sender, (void *)k);
  for (int k = 0; k < senders; k++) pthread_join(s[k], NULL);
  stop = 1;
  for (int k = 0; k < readers; k++) pthread_join(r[k], NULL);
  return 0;
}
