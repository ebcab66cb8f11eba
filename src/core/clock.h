// Milliseconds from the two clocks the engine reads: wall time for event
// timestamps and log lines, the steady clock for durations and timeouts.
#pragma once

#include <chrono>
#include <cstdint>

namespace nba {

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace nba
