// Interrupt: SIGINT/SIGTERM end the current phase early; the run still
// writes its result (marked "interrupted"). A second signal ends the process
// at once (the default action is restored by the first).
// Thread-safety: interrupted() from any thread.
#pragma once

namespace wshub::bench {

void install_interrupt_handler();
bool interrupted();

}  // namespace wshub::bench
