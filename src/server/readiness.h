// Readiness: named checks that must all pass before /readyz answers 200
// (event log open, model loaded, ...). Checks may be added at any time, from
// any thread; each runs on every /readyz request, so keep them cheap.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace nba {

class Readiness {
 public:
  void AddCheck(std::string name, std::function<Status()> check);

  // "name: reason" for every failing check, in registration order; empty when ready.
  std::vector<std::string> Failures() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::function<Status()>>> checks_;
};

}  // namespace nba
