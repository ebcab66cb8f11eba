#include "server/trace.h"

#include <random>

namespace nba {

static bool IsLowerHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool ParseTraceparent(std::string_view h, std::string* trace_id) {
  if (h.size() != 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return false;
  std::string_view version = h.substr(0, 2), trace = h.substr(3, 32), parent = h.substr(36, 16),
                   flags = h.substr(53, 2);
  if (version != "00" || !IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(flags)) return false;
  // All-zero ids are invalid by the spec.
  if (trace == std::string(32, '0') || parent == std::string(16, '0')) return false;
  *trace_id = trace;
  return true;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = rng();
    for (int i = 0; i < 16; ++i) id[half * 16 + i] = kHex[(bits >> (4 * i)) & 15];
  }
  return id;
}

}  // namespace nba
