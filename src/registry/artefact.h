// Artefact: one trained model as a directory, self-contained and immutable.
//
//   config.json          model hyper-parameters (opaque here)
//   weights.safetensors  the tensors
//   items.txt            item vocabulary: line n holds dense item id n (from 1)
//   metrics.json         evaluation results
//   data.json            fingerprint of the training data (see DataFingerprint)
//   manifest.json        {"created": ISO-8601 UTC, "files": {name: sha256}}
//
// A directory is written under a temporary name and renamed into place, so a
// half-written model is never visible; the manifest's checksums catch any
// file changed or damaged afterwards.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "data/dataset.h"
#include "registry/tensor_map.h"

namespace nba {

struct Artefact {
  nlohmann::json config = nlohmann::json::object();
  TensorMap weights;
  IdMap items{1};
  nlohmann::json metrics = nlohmann::json::object();
  nlohmann::json data = nlohmann::json::object();
};

// Writes `a` as the directory `dir`, creating its parent folders. `dir` must
// not exist yet: artefacts are never overwritten.
Status SaveArtefact(const std::string& dir, const Artefact& a);

// Loads and verifies every file against manifest.json. A missing file is
// NotFound and a damaged one Corruption, each naming the file.
Status LoadArtefact(const std::string& dir, Artefact* out);

// What a listing shows, read without loading the weights: the manifest's
// creation time and metrics.json (both verified against the manifest).
struct ArtefactSummary {
  std::string created;
  nlohmann::json metrics;
};
Status ReadArtefactSummary(const std::string& dir, ArtefactSummary* out);

// data.json's content: {"sha256": ..., "users": U, "items": I, "events": E}.
// `sha256` is Sha256File() of the training file, or Sha256Hex() of any string
// that identifies the data when there is no single file.
nlohmann::json DataFingerprint(const std::string& sha256, const Dataset& data);

}  // namespace nba
