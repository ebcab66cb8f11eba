// ModelRegistry: the trained models of one deployment, in a local folder
// (or a shared mount) that trainers write and servers read.
//
//   <dir>/versions/0001/   an Artefact per version; numbers only grow (one
//                          past the highest folder present)
//   <dir>/production       the version servers load, e.g. "0003\n"
//   <dir>/history          promotions, oldest first: "<version> <UTC time>"
//   <dir>/LOCK             flock()ed by every change
//
// Every change holds an exclusive flock on LOCK, so concurrent trainers and
// operators in other processes get distinct versions and a consistent
// history. `production` and `history` are replaced atomically, so readers
// need no lock. The last history line is the production version; Rollback
// drops it and returns to the line before.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "registry/artefact.h"

namespace nba {

struct VersionInfo {
  std::string version;  // "0001"
  std::string created;  // ISO-8601 UTC, from the artefact's manifest
  // Test NDCG@10 from metrics.json: test.full.ndcg@10 (as `nba train` writes
  // it), else test.ndcg@10, else ndcg@10; empty when none is there.
  std::optional<double> ndcg_at_10;
  bool production = false;
  Status status;  // not ok when the version's files are missing or damaged
};

class ModelRegistry {
 public:
  // Opens the registry in `dir`, creating it when missing and
  // `create_if_missing`; otherwise a missing registry is NotFound.
  static Status Open(const std::string& dir, std::unique_ptr<ModelRegistry>* out,
                     bool create_if_missing = true);

  // Stores `a` as the next version. The first version of an empty registry is
  // promoted at once, so a fresh install serves a model without a manual step;
  // any later one waits for Promote(), so a worse model never goes live alone.
  Status Register(const Artefact& a, std::string* version);

  // All versions, oldest first.
  Status List(std::vector<VersionInfo>* out) const;

  // Makes `version` ("3" or "0003") production after verifying its files.
  // Promoting the current production version changes nothing. NotFound for an
  // unknown version.
  Status Promote(const std::string& version);

  // Returns production to the version promoted before the current one (after
  // verifying its files) and stores it in `*version`. NotFound when there is
  // no earlier promotion.
  Status Rollback(std::string* version);

  // The production version and its artefact directory; NotFound when none.
  Status Production(std::string* version) const;
  Status ProductionDir(std::string* dir) const;

  Status Load(const std::string& version, Artefact* out) const;
  const std::string& dir() const { return dir_; }

 private:
  explicit ModelRegistry(std::string dir) : dir_(std::move(dir)) {}
  std::string VersionDir(const std::string& version) const;
  Status ReadHistory(std::vector<std::string>* lines) const;
  // Writes history and then the production pointer; caller holds the lock.
  Status SetProduction(const std::vector<std::string>& history);

  std::string dir_;
};

}  // namespace nba
