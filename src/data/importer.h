// Importers for public event datasets. Every format becomes the same Dataset:
// string ids mapped to dense ids (items from 1), each user's events stably
// sorted by ts. Bad rows are counted and the first few reported by line
// number in the ImportReport; they are never dropped silently.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "data/dataset.h"
#include "data/report.h"

namespace nba {

enum class ImportFormat {
  kAuto,       // guessed from the file name, then from the first lines
  kTsv,        // the shared format: header "user_id\titem_id\tts\tevent"
  kPairs,      // SASRec "user item" per line; ts = position within the user
  kSequences,  // "user item item ..." per line; ts = position within the user
  kMovieLens,  // ratings.dat "u::i::r::ts" or u.data "u\ti\tr\tts"; event rating
  kTaobao,     // UserBehavior.csv "user,item,category,behavior,ts"
};

// Names as the CLI takes them: "auto", "tsv", "pairs", "sequences", "movielens", "taobao".
bool ParseImportFormat(std::string_view name, ImportFormat* out);
const char* ImportFormatName(ImportFormat format);

struct ImportOptions {
  ImportFormat format = ImportFormat::kAuto;
  // Event type given to pairs and sequences rows, whose files carry none.
  EventType positional_event = EventType::kInteraction;
};

// Picks the format of `path` (plain or gzip) from its name (u.data,
// ratings.dat, UserBehavior*) or else from its first lines.
Status DetectFormat(const std::string& path, ImportFormat* out);

// Reads `path` (plain or gzip) into `out`, replacing its contents, and fills
// `report`. NotFound when the file is missing; InvalidArgument naming the file
// when no row is valid (`report` then still says why).
Status ImportFile(const std::string& path, const ImportOptions& opts, Dataset* out, ImportReport* report);

}  // namespace nba
