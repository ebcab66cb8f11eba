#include "data/split.h"

namespace nba {

namespace {

EvalCase MakeCase(uint32_t user, const std::vector<Interaction>& seq, size_t target) {
  return {user, std::vector<Interaction>(seq.begin(), seq.begin() + target), seq[target].item};
}

}  // namespace

Split LeaveOneOut(const Dataset& data) {
  Split split;
  split.train.resize(data.num_users());
  for (uint32_t user = 0; user < data.num_users(); ++user) {
    const auto& seq = data.sequences[user];
    if (seq.size() < 3) {
      split.train[user] = seq;
      continue;
    }
    size_t n = seq.size();
    split.train[user].assign(seq.begin(), seq.end() - 2);
    split.valid.push_back(MakeCase(user, seq, n - 2));
    split.test.push_back(MakeCase(user, seq, n - 1));
  }
  return split;
}

std::vector<std::vector<Interaction>> TrainingWithValidation(const Dataset& data, const Split& split) {
  std::vector<std::vector<Interaction>> train = split.train;
  // A validation case's history is its user's sequence up to the validation
  // event, in both splits, so that event sits at index history.size().
  for (const EvalCase& c : split.valid) {
    const auto& seq = data.sequences[c.user];
    train[c.user].assign(seq.begin(), seq.begin() + c.history.size() + 1);
  }
  return train;
}

Split TimeSplit(const Dataset& data, int64_t valid_from, int64_t test_from) {
  Split split;
  split.train.resize(data.num_users());
  for (uint32_t user = 0; user < data.num_users(); ++user) {
    const auto& seq = data.sequences[user];
    bool has_valid = false;
    for (size_t i = 0; i < seq.size(); ++i) {
      int64_t ts = seq[i].ts;
      if (ts < valid_from) {
        split.train[user].push_back(seq[i]);
      } else if (ts < test_from) {
        if (!has_valid) split.valid.push_back(MakeCase(user, seq, i));
        has_valid = true;
      } else {
        split.test.push_back(MakeCase(user, seq, i));
        break;
      }
    }
  }
  return split;
}

}  // namespace nba
