// Flags shared by the commands that read a dataset (train, eval): the file,
// its format, k-core filtering and the split.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "data/dataset.h"
#include "data/split.h"

namespace nba::cli {

struct DatasetFlags {
  std::string path;
  std::string format = "auto";
  int min_item_events = 0;
  int min_user_events = 0;
  std::string split = "loo";  // "loo" or "time"
  int64_t valid_from = 0, test_from = 0;
  bool quiet = false;

  void Register(CLI::App* cmd);
  // Imports, filters and prints the data-quality report to stderr.
  Status Load(Dataset* data) const;
  Status MakeSplit(const Dataset& data, Split* out) const;
  // "Beauty.tsv.gz, k-core items>=5" for result tables.
  std::string Describe() const;
};

// Re-numbers `data`'s items into `vocab`'s dense ids (a model's vocabulary):
// events of items the model never saw are dropped and counted.
void MapToVocabulary(const IdMap& vocab, Dataset* data, size_t* dropped_events);

}  // namespace nba::cli
