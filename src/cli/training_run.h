// One training run as `nba train` and `nba demo` do it: fit SASRec with a
// progress line per epoch, measure it once on the test split beside the
// popularity baseline, print the table, and package the model artefact.
#pragma once

#include <string>

#include "data/split.h"
#include "model/trainer.h"
#include "registry/artefact.h"

namespace nba::cli {

struct TrainingRun {
  ModelConfig model;  // num_items is set from the data
  TrainConfig train;
  std::string data_description;  // for the table: "Beauty.tsv.gz, split loo"
  std::string data_sha256;       // fingerprint of the training data
};

// On success `artefact` holds config, weights, vocabulary, metrics and the
// data fingerprint, ready to save or register.
Status RunTraining(const Dataset& data, const Split& split, TrainingRun* run, Artefact* artefact);

}  // namespace nba::cli
