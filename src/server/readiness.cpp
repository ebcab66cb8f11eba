#include "server/readiness.h"

namespace nba {

void Readiness::AddCheck(std::string name, std::function<Status()> check) {
  std::lock_guard<std::mutex> lock(mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

std::vector<std::string> Readiness::Failures() const {
  std::vector<std::pair<std::string, std::function<Status()>>> checks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    checks = checks_;
  }
  std::vector<std::string> failures;
  for (const auto& [name, check] : checks) {
    Status s = check();
    if (!s.ok()) failures.push_back(name + ": " + s.message());
  }
  return failures;
}

}  // namespace nba
