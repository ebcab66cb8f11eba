// The demo shop's API key. The page must hold a key in clear, so the demo
// does not take one from the configuration (which holds only hashes):
// the engine makes one, keeps it in a file of the data dir so that pages
// still open keep working across restarts, and grants it ingest and
// recommend only.
#pragma once

#include <string>

#include "core/status.h"

namespace nba {

// A new random API key (OpenSSL's RAND_bytes): 32 lower-case hex digits.
Status NewApiKey(std::string* key);

// Reads the key stored at `path`, or creates the file (mode 0600) with a new
// random key: 32 lower-case hex digits. Fails, naming the file, when it
// cannot be read or written, or does not hold such a key.
Status LoadOrCreateDemoKey(const std::string& path, std::string* key);

}  // namespace nba
