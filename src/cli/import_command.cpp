// `nba import`: reads a public dataset in any supported format, prints its
// data-quality report, optionally k-core filters it and writes the shared TSV.
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "data/importer.h"
#include "data/kcore.h"
#include "data/writer.h"

namespace nba::cli {

namespace {

struct ImportArgs {
  std::string input;
  std::string format = "auto";
  int min_item_events = 0;
  int min_user_events = 0;
  bool single_pass = false;
  std::string out;
  std::string report_json;
};

void RunImport(const ImportArgs& args) {
  ImportOptions opts;
  ParseImportFormat(args.format, &opts.format);  // CLI11 already checked the name
  Dataset data;
  ImportReport report;
  CheckOk(ImportFile(args.input, opts, &data, &report));
  std::fputs(FormatReport(report).c_str(), stdout);
  nlohmann::json json = ReportToJson(report);

  if (args.min_item_events > 1 || args.min_user_events > 1) {
    FilterKCore(&data, args.min_item_events, args.min_user_events, !args.single_pass);
    DatasetStats filtered = ComputeStats(data);
    std::printf("after k-core (items >= %d events, users >= %d events%s):\n", args.min_item_events,
                args.min_user_events, args.single_pass ? ", one pass" : "");
    std::fputs(FormatStats(filtered).c_str(), stdout);
    json["after_kcore"] = StatsToJson(filtered);
    json["after_kcore"]["min_item_events"] = args.min_item_events;
    json["after_kcore"]["min_user_events"] = args.min_user_events;
    json["after_kcore"]["single_pass"] = args.single_pass;
  }
  if (!args.out.empty()) {
    CheckOk(WriteTsv(data, args.out));
    std::printf("wrote %s\n", args.out.c_str());
  }
  if (!args.report_json.empty()) {
    std::ofstream out(args.report_json, std::ios::trunc);
    out << json.dump(2) << '\n';
    out.close();
    if (!out) CheckOk(Status::IOError(args.report_json + ": cannot write the JSON report"));
  }
}

}  // namespace

void AddImportCommand(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Read a dataset, report its quality, optionally filter and normalise it");
  cmd->add_option("--input", args->input, "Dataset file, plain or .gz")->required();
  cmd->add_option("--format", args->format, "Input format")
      ->check(CLI::IsMember({"auto", "tsv", "pairs", "sequences", "movielens", "taobao"}))
      ->capture_default_str();
  cmd->add_option("--min-item-events", args->min_item_events, "Drop items with fewer events (k-core)");
  cmd->add_option("--min-user-events", args->min_user_events, "Drop users with fewer events (k-core)");
  cmd->add_flag("--single-pass", args->single_pass,
                "Filter once on the original counts (SASRec's preprocessing) instead of to a fixed point");
  cmd->add_option("--out", args->out, "Write the dataset as the shared TSV (.gz to compress)");
  cmd->add_option("--report-json", args->report_json, "Write the report as JSON");
  cmd->callback([args] { RunImport(*args); });
}

}  // namespace nba::cli
