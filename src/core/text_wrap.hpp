// Word wrapping for --help texts: breaks text into lines of at most `width`
// characters at spaces (a longer word stands alone on its line).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wshub::core {

inline std::string wrap_text(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t line = 0;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    if (line > 0 && line + 1 + word.size() > width) {
      out += '\n';
      line = 0;
    } else if (line > 0) {
      out += ' ';
      ++line;
    }
    out += word;
    line += word.size();
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

}  // namespace wshub::core
