// Payload and line codec of the benchmark.
//
// Every publication's `data` is the JSON object
//   {"t":<send time, steady clock ns>,"s":<per-channel sequence>,"p":"xxx..."}
// padded with 'x' so that the object is exactly the requested size (or as short
// as possible when the size is smaller than the fixed part).
//
// LineParser reads one line of a server frame (frames hold one or more lines
// joined by '\n'). Message lines in wshub's own envelope order take a fast path
// without a JSON parser; anything else (another field order, a reply, the
// welcome) goes through simdjson On-Demand, so other servers that keep the
// protocol are read correctly too.
// Thread-safety: LineParser owns a parser; one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wshub::bench {

// Appends the payload object to `out`.
void append_payload(std::string& out, std::int64_t t_ns, std::uint64_t seq, std::size_t size);

enum class LineKind { message, reply, welcome, push, other, invalid };

struct ParsedLine {
  LineKind kind = LineKind::invalid;
  // message
  std::string_view channel;  // points into the line (or the parser's scratch)
  std::int64_t t_ns = 0;
  std::uint64_t seq = 0;
  bool has_payload = false;  // data carried our t and s
  // reply
  bool has_id = false;
  std::int64_t id = 0;
  bool ok = false;
  std::int64_t error_code = 0;
};

class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // The result's views stay valid until the next call or until `line` changes.
  ParsedLine parse(std::string_view line);

  std::uint64_t slow_path_lines() const { return slow_path_; }

 private:
  ParsedLine parse_slow(std::string_view line);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t slow_path_ = 0;
};

// Calls f(line) for each non-empty '\n'-separated line of a frame.
template <class F>
void for_each_line(std::string_view frame, F&& f) {
  while (!frame.empty()) {
    const auto nl = frame.find('\n');
    const auto line = frame.substr(0, nl);
    if (!line.empty()) f(line);
    if (nl == std::string_view::npos) break;
    frame.remove_prefix(nl + 1);
  }
}

}  // namespace wshub::bench
