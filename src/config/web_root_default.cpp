#include "config/config.hpp"

#ifndef WSHUB_DEFAULT_WEB_ROOT
#error "WSHUB_DEFAULT_WEB_ROOT must name the source tree's web/ directory"
#endif

namespace wshub::config {

std::string default_web_root() { return WSHUB_DEFAULT_WEB_ROOT; }

}  // namespace wshub::config
