// wshub: the real-time WebSocket gateway. See README.md and docs/.
#include "apps/wshub/cli.hpp"
#include "apps/wshub/logging.hpp"
#include "apps/wshub/server.hpp"

int main(int argc, char** argv) {
  auto cli = wshub::app::parse_command_line(argc, argv);
  if (!cli.serve) return cli.exit_code;
  wshub::app::setup_logging(cli.config);
  if (cli.config.dev) wshub::app::log_dev_mode_warning();
  return wshub::app::run_server(cli.config);
}
