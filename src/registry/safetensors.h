// Safetensors files (https://github.com/huggingface/safetensors), the weights
// format of a model artefact: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw data.
// Files written here load in Python's `safetensors` and vice versa, so a model
// can be inspected or produced with the Python tools.
//
// Only dtype "F32" is supported: it is what TensorMap holds.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "registry/tensor_map.h"

namespace nba {

// Writes `tensors` (contiguous, in name order) and `metadata` (stored under
// "__metadata__"; omitted when empty) atomically: temp file, fsync, rename.
// InvalidArgument when a tensor's data does not match its shape, a dimension
// is negative, or a tensor is named "__metadata__".
Status WriteSafetensors(const std::string& path, const TensorMap& tensors,
                        const std::map<std::string, std::string>& metadata);

// Reads a whole file into `out` (replacing its contents) and, when `metadata`
// is not null, its "__metadata__". Every structural rule is checked (header
// length, JSON, dtype, shapes, byte ranges that tile the data exactly); a
// violation is Corruption with the file name and the problem.
Status ReadSafetensors(const std::string& path, TensorMap* out,
                       std::map<std::string, std::string>* metadata);

}  // namespace nba
