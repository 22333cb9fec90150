// wshub-bench: the load generator for wshub. See bench/README.md.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include "bench_run.hpp"
#include "cli.hpp"
#include "clock.hpp"
#include "fd_limit.hpp"
#include "interrupt.hpp"
#include "proc_sampler.hpp"
#include "scenarios.hpp"

#ifndef WSHUB_VERSION
#define WSHUB_VERSION "0.0.0"
#endif

namespace {

using namespace wshub::bench;

constexpr int k_usage_error = 2;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int usage_error(const std::string& message) {
  std::cerr << "wshub-bench: " << message << '\n';
  return k_usage_error;
}

}  // namespace

int main(int argc, char** argv) {
  auto cli = parse_command_line(argc, argv, std::cout, std::cerr);
  if (!cli.options) return cli.exit_code;
  Options o = std::move(*cli.options);

  auto targets = resolve_targets(o.targets);
  if (!targets) return usage_error(targets.error());
  bool loopback = true;
  for (const auto& t : *targets) loopback = loopback && t.loopback;
  if (o.source_addresses > 0 && !loopback) {
    std::cerr << "wshub-bench: warning: --source-addresses applies to loopback targets only; not binding\n";
  }
  resolve_automatic_options(o, loopback);
  for (const int pid : o.server_pids) {
    if (!process_exists(pid)) return usage_error("--server-pid " + std::to_string(pid) + ": no such process");
  }
  const FdLimit limit = raise_fd_limit();
  if (auto problem = check_fd_limit(limit, o.total_connections()); !problem.empty()) return usage_error(problem);

  // Open the output first: a run must not be wasted on an unwritable path.
  std::ofstream file;
  if (o.out != "-") {
    file.open(o.out, std::ios::trunc);
    if (!file) return usage_error("--out " + o.out + ": cannot open for writing");
  }

  install_interrupt_handler();
  Progress progress(o.progress);
  JsonValue doc = JsonValue::object();
  doc.set("tool", "wshub-bench");
  doc.set("version", WSHUB_VERSION);
  doc.set("scenario", std::string(scenario_name(o.scenario)));
  doc.set("started_at", utc_now());
  doc.set("params", o.to_json());
  JsonValue env = JsonValue::object();
  env.set("fd_limit", limit.soft);
  env.set("source_addresses", SourceAddresses(o.source_addresses).describe());
  env.set("cpus", static_cast<long>(::sysconf(_SC_NPROCESSORS_ONLN)));
  doc.set("client_env", std::move(env));

  const std::int64_t started = steady_ns();
  int exit_code = 1;
  {
    BenchRun run(o, std::move(*targets), SourceAddresses(o.source_addresses), progress);
    switch (o.scenario) {
      case Scenario::fanout:
      case Scenario::slow:
      case Scenario::cluster:
        exit_code = run_fanout(run, doc);
        break;
      case Scenario::idle:
        exit_code = run_idle(run, doc);
        break;
      case Scenario::storm:
        exit_code = run_storm(run, doc);
        break;
    }
  }
  doc.set("wall_s", round_to(static_cast<double>(steady_ns() - started) / 1e9, 3));
  doc.set("ok", exit_code == 0);
  progress.finish();

  const std::string text = doc.dump();
  if (o.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  } else {
    file << text;
    file.close();
    if (!file) {
      std::cerr << "wshub-bench: --out " << o.out << ": write failed\n";
      return 1;
    }
    progress.log("result written to " + o.out);
  }
  return exit_code;
}
