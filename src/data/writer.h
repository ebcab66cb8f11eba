// Writes a Dataset in the shared TSV format (header "user_id\titem_id\tts\tevent",
// users in dense order, each user's events in sequence order, external ids),
// so `nba import` can normalise any source format into one file.
#pragma once

#include <string>

#include "core/status.h"
#include "data/dataset.h"

namespace nba {

// gzip-compressed when `path` ends in ".gz". Event names are EventTypeName's.
Status WriteTsv(const Dataset& data, const std::string& path);

}  // namespace nba
