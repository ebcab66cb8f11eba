// Train / validation / test splits of a Dataset.
#pragma once

#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace nba {

// One ranking question: given `history` (chronological), where does `target` rank?
struct EvalCase {
  uint32_t user = 0;
  std::vector<Interaction> history;
  uint32_t target = 0;
};

struct Split {
  std::vector<std::vector<Interaction>> train;  // per user; may be empty
  std::vector<EvalCase> valid;
  std::vector<EvalCase> test;  // history includes the validation event
};

// Leave-one-out: the last event of each user is the test target, the one
// before it the validation target, everything earlier is training data.
// Users with fewer than 3 events are kept for training only.
Split LeaveOneOut(const Dataset& data);

// Time-based: events with ts < valid_from train; a user's first event in
// [valid_from, test_from) is a validation target and the first at or after
// test_from a test target, each with all the user's earlier events as history.
Split TimeSplit(const Dataset& data, int64_t valid_from, int64_t test_from);

// The split's training sequences, each extended by its user's validation
// event (and nothing later): the data of a final fit once validation has
// chosen the epoch count. The test cases are untouched.
std::vector<std::vector<Interaction>> TrainingWithValidation(const Dataset& data, const Split& split);

}  // namespace nba
