// SHA-256 (OpenSSL EVP) as lowercase hex: the artefact manifest's checksums
// and the training data fingerprint.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace nba {

std::string Sha256Hex(std::string_view bytes);

// Hashes the file at `path` in chunks, so large training files need no copy in memory.
Status Sha256File(const std::string& path, std::string* hex);

}  // namespace nba
