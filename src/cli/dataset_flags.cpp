#include "cli/dataset_flags.h"

#include <cstdio>

#include "data/importer.h"
#include "data/kcore.h"
#include "data/report.h"

namespace nba::cli {

void DatasetFlags::Register(CLI::App* cmd) {
  cmd->add_option("--data", path, "Event file (TSV, pairs, sequences, MovieLens, Taobao; .gz ok)")->required();
  cmd->add_option("--format", format, "auto|tsv|pairs|sequences|movielens|taobao");
  cmd->add_option("--min-item-events", min_item_events, "Drop items with fewer events (one pass)");
  cmd->add_option("--min-user-events", min_user_events, "Drop users with fewer events (one pass)");
  cmd->add_option("--split", split, "loo (leave-one-out) or time")->check(CLI::IsMember({"loo", "time"}));
  cmd->add_option("--valid-from", valid_from, "time split: first validation timestamp");
  cmd->add_option("--test-from", test_from, "time split: first test timestamp");
  cmd->add_flag("--quiet", quiet, "Do not print the data-quality report");
}

Status DatasetFlags::Load(Dataset* data) const {
  ImportOptions opts;
  if (!ParseImportFormat(format, &opts.format))
    return Status::InvalidArgument("--format: unknown format '" + format + "'");
  ImportReport report;
  NBA_RETURN_IF_ERROR(ImportFile(path, opts, data, &report));
  if (!quiet) std::fprintf(stderr, "%s", FormatReport(report).c_str());
  if (min_item_events > 0 || min_user_events > 0) {
    FilterKCore(data, min_item_events, min_user_events, /*iterate=*/false);
    if (!quiet) std::fprintf(stderr, "after k-core filtering:\n%s", FormatStats(ComputeStats(*data)).c_str());
  }
  if (data->num_events() == 0) return Status::InvalidArgument(path + ": no events left after filtering");
  return Status::Ok();
}

Status DatasetFlags::MakeSplit(const Dataset& data, Split* out) const {
  if (split == "time") {
    if (valid_from <= 0 || test_from <= valid_from)
      return Status::InvalidArgument("--split time needs 0 < --valid-from < --test-from");
    *out = TimeSplit(data, valid_from, test_from);
  } else {
    *out = LeaveOneOut(data);
  }
  if (out->valid.empty() || out->test.empty())
    return Status::InvalidArgument(path + ": the split has no validation or test cases");
  return Status::Ok();
}

std::string DatasetFlags::Describe() const {
  std::string d = path.substr(path.find_last_of('/') + 1);
  if (min_item_events > 0) d += ", items with >= " + std::to_string(min_item_events) + " events";
  if (min_user_events > 0) d += ", users with >= " + std::to_string(min_user_events) + " events";
  return d + ", split " + split;
}

void MapToVocabulary(const IdMap& vocab, Dataset* data, size_t* dropped_events) {
  *dropped_events = 0;
  for (auto& seq : data->sequences) {
    size_t kept = 0;
    for (const Interaction& e : seq) {
      uint32_t id;
      if (!vocab.Find(data->items.External(e.item), &id)) {
        ++*dropped_events;
        continue;
      }
      seq[kept] = e;
      seq[kept++].item = id;
    }
    seq.resize(kept);
  }
  data->items = vocab;
}

}  // namespace nba::cli
