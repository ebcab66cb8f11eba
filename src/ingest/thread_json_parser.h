// One simdjson parser per thread, reused call after call: it owns buffers
// sized by the largest document it has seen, so hot paths (request bodies,
// data-lake lines) allocate nothing per document.
#pragma once

#include <simdjson.h>

namespace nba {

simdjson::dom::parser& ThreadJsonParser();

}  // namespace nba
