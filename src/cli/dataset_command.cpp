// `nba dataset build`: the data lake that `nba consume` fills becomes the TSV
// `nba train --data` reads (rules in src/lake/dataset_builder.h). This file
// only parses flags and prints.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "lake/dataset_builder.h"
#include "lake/lake_layout.h"

namespace nba::cli {

namespace {

struct DatasetBuildArgs {
  std::string lake;
  std::string out;
  std::string from;  // YYYY-MM-DD, UTC, inclusive
  std::string to;    // YYYY-MM-DD, UTC, exclusive
};

int64_t ParseDateFlag(const char* flag, const std::string& value) {
  int64_t ms;
  if (!ParseUtcDate(value, &ms)) {
    throw CommandFailed(std::string(flag) + ": '" + value + "' is not a date YYYY-MM-DD", 1);
  }
  return ms;
}

void RunDatasetBuild(const DatasetBuildArgs& args) {
  DatasetBuildOptions options;
  options.lake_dir = args.lake;
  if (!args.from.empty()) options.from_ms = ParseDateFlag("--from", args.from);
  if (!args.to.empty()) options.to_ms = ParseDateFlag("--to", args.to);
  DatasetBuildReport report;
  CheckOk(BuildDatasetFile(options, args.out, &report));
  std::fputs(FormatDatasetBuildReport(report).c_str(), stdout);
  std::printf("wrote %s\n", args.out.c_str());
}

}  // namespace

void AddDatasetCommand(CLI::App& app) {
  auto args = std::make_shared<DatasetBuildArgs>();
  CLI::App* dataset = app.add_subcommand("dataset", "Build training data from the data lake of the distributed mode");
  dataset->require_subcommand(1);
  CLI::App* build = dataset->add_subcommand(
      "build", "Read the lake, apply erasures, drop duplicate events, write the TSV that nba train reads");
  build->add_option("--lake", args->lake, "Data lake directory (nba consume --lake)")->required();
  build->add_option("--out", args->out, "TSV to write (.gz to compress)")->required();
  build->add_option("--from", args->from, "First UTC day to include, YYYY-MM-DD");
  build->add_option("--to", args->to, "UTC day to stop before (exclusive), YYYY-MM-DD");
  build->callback([args] { RunDatasetBuild(*args); });
}

}  // namespace nba::cli
