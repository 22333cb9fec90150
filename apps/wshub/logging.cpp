#include "logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace wshub::app {
namespace {

constexpr char k_hex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto continuation = [&](std::size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!continuation(i + 1) || !continuation(i + 2)) return 0;
    const unsigned char b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
    const unsigned char b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Out is std::string or spdlog::memory_buf_t: both have push_back and append(first, last).
template <class Out>
void escape_json(Out& out, std::string_view text) {
  const auto put = [&out](std::string_view piece) { out.append(piece.data(), piece.data() + piece.size()); };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        put("\\ufffd");
        ++i;
      } else {
        put(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        put("\\\"");
        break;
      case '\\':
        put("\\\\");
        break;
      case '\n':
        put("\\n");
        break;
      case '\r':
        put("\\r");
        break;
      case '\t':
        put("\\t");
        break;
      case '\b':
        put("\\b");
        break;
      case '\f':
        put("\\f");
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          const char escaped[] = {'\\', 'u', '0', '0', k_hex[u >> 4], k_hex[u & 0xf]};
          put(std::string_view(escaped, sizeof escaped));
        } else {
          out.push_back(c);
        }
    }
    ++i;
  }
}

// %* in the JSON pattern: the log message, escaped for a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    escape_json(dest, std::string_view(msg.payload.data(), msg.payload.size()));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

constexpr const char* k_text_pattern = "%Y-%m-%d %H:%M:%S.%e [%^%l%$] [thread %t] %v";
constexpr const char* k_json_pattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"msg":"%*"})";

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) { escape_json(out, text); }

void setup_logging(const config::Config& config) {
  std::shared_ptr<spdlog::logger> logger;
  if (config.log_format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(k_json_pattern);
    // No colour sink: escape codes would corrupt the JSON.
    logger = std::make_shared<spdlog::logger>("wshub", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_formatter(std::move(formatter));
  } else {
    // Colours only when stderr is a terminal.
    logger = std::make_shared<spdlog::logger>("wshub", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_pattern(k_text_pattern);
  }
  logger->set_level(spdlog::level::from_str(config.log_level));
  // Logs are read live (and by supervisors); flush every line.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

void log_dev_mode_warning() {
  static constexpr const char* k_lines[] = {
      "*********************************************************************",
      "*  DEVELOPMENT MODE (--dev): AUTHENTICATION IS DISABLED.            *",
      "*  Any client may connect without a token and choose its user id    *",
      "*  with ?user=NAME, the server API accepts requests without a key,  *",
      "*  and clients may publish to every channel.                        *",
      "*  NEVER USE --dev IN PRODUCTION OR ON A REACHABLE NETWORK.         *",
      "*********************************************************************",
  };
  for (const char* line : k_lines) spdlog::warn("{}", line);
}

}  // namespace wshub::app
