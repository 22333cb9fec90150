// syscall_cost: what one system call costs on this machine, counting the
// translation misses the user code pays after it, and what huge pages save.
//
// docs/ARCHITECTURE.md "What a cross-instance delivery costs" counts the
// system calls a cluster instance makes per publication. Their price is not
// the bare call: on a guest whose kernel entry switches page tables without
// PCID (here: PVM with pti=on, no `pcid` in /proc/cpuinfo), every entry and
// exit flushes the user TLB, and the user code that runs next refills it.
// This probe measures both parts:
//
//   1. a bare system call (getppid) in a tight loop;
//   2. random one-byte reads, one per 4 KiB page, over a 64 MiB buffer, with
//      4 KiB pages and with transparent huge pages (madvise(MADV_HUGEPAGE));
//   3. the same reads with a getppid() after every EVERY reads (default 50):
//      the extra time per call over (1) is the refill the call caused.
//
// Build and run (not part of the build or of CI):
//   cc -O2 -o /tmp/syscall_cost bench/probes/syscall_cost.c
//   /tmp/syscall_cost [EVERY]
// Huge pages need transparent_hugepage "madvise" or "always"; the probe
// prints the AnonHugePages it got, so a run without them shows 0 kB.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { k_buffer = 64 << 20, k_huge = 2 << 20, k_page = 4096, k_reads = 2000000, k_calls = 200000 };

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

// Anonymous, 2 MiB aligned, touched, with or without MADV_HUGEPAGE.
static unsigned char* make_buffer(int huge) {
  unsigned char* raw = mmap(NULL, k_buffer + k_huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  unsigned char* p = (unsigned char*)(((uintptr_t)raw + k_huge - 1) & ~(uintptr_t)(k_huge - 1));
  if (huge && madvise(p, k_buffer, MADV_HUGEPAGE) != 0) perror("madvise(MADV_HUGEPAGE)");
  memset(p, 1, k_buffer);
  return p;
}

static long anon_huge_kb(void) {
  FILE* f = fopen("/proc/self/smaps_rollup", "r");
  if (f == NULL) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1) break;
  }
  fclose(f);
  return kb;
}

// ns per read; a getppid() after every `every` reads when every > 0.
static double random_reads(const unsigned char* p, long every) {
  uint64_t x = 88172645463325252ull;  // xorshift64
  volatile unsigned sink = 0;
  const double start = now_ns();
  for (long i = 0; i < k_reads; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    sink += p[(x % (k_buffer / k_page)) * k_page + (x >> 40) % k_page];
    if (every > 0 && i % every == 0) syscall(SYS_getppid);
  }
  return (now_ns() - start) / k_reads;
}

int main(int argc, char** argv) {
  const long every = argc > 1 ? atol(argv[1]) : 50;
  if (every <= 0) {
    fprintf(stderr, "usage: syscall_cost [EVERY > 0]\n");
    return 2;
  }
  double start = now_ns();
  for (int i = 0; i < k_calls; ++i) syscall(SYS_getppid);
  const double bare_us = (now_ns() - start) / k_calls / 1e3;
  printf("bare system call (getppid): %.2f us\n", bare_us);

  for (int huge = 0; huge <= 1; ++huge) {
    const unsigned char* p = make_buffer(huge);
    const double plain = random_reads(p, 0);
    const double mixed = random_reads(p, every);
    // Per call: the extra time of the mixed loop over the plain one, times
    // the reads per call, is the call plus the refill it caused.
    const double per_call_us = (mixed - plain) * (double)every / 1e3;
    printf("%s pages (AnonHugePages %ld kB): %.1f ns per random read; with a call every %ld reads %.1f ns, "
           "so %.2f us per call, %.2f us of it refilling translations\n",
           huge ? "huge" : "4 KiB", anon_huge_kb(), plain, every, mixed, per_call_us, per_call_us - bare_us);
  }
  return 0;
}
