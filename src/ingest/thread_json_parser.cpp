#include "ingest/thread_json_parser.h"

namespace nba {

simdjson::dom::parser& ThreadJsonParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace nba
