// ModelConfig: the SASRec architecture, stored as config.json in every model
// artefact. Shared by the libtorch trainer (src/model) and the torch-free
// inference engine (src/inference), which must agree on every field.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace nba {

struct ModelConfig {
  int64_t num_items = 0;  // largest dense item id; embedding rows = num_items + 1
  int64_t max_len = 50;   // positions; longer histories keep their last max_len events
  int64_t hidden = 64;
  int64_t heads = 1;
  int64_t blocks = 2;
  int64_t ffn_dim = 64;
  std::string activation = "relu";  // "relu" or "gelu" (tanh-free, erf form)
  // "pre_ln": x += Attn(LN(x)); x += FFN(LN(x)).
  // "original": the SASRec paper's code: q = LN(x); x = q + Attn(q, x, x);
  //             x = LN(x); x += FFN(x).
  std::string layout = "pre_ln";
  // "from_start": the oldest kept event is position 0, so appending an event
  // leaves earlier states valid and serving can cache them (see src/inference).
  // "from_end": the newest event is always position max_len - 1, as in the
  // paper; every new event shifts all positions, so nothing can be cached.
  std::string positions = "from_start";
  bool event_types = true;  // add an event-type embedding to each input event
  double dropout = 0.2;     // training only
  // Training only: dropout also on the attention block's output projection.
  // The paper's code drops only attention weights; false follows it.
  bool attn_output_dropout = true;
  double layer_norm_eps = 1e-8;
  // How an item is scored against the final hidden state. "dot": their dot
  // product (the paper). "cosine": both are L2-normalised first, so item
  // popularity cannot hide in embedding norms (HSTU's SASRec baseline;
  // training divides by a temperature, TrainConfig::temperature).
  std::string similarity = "dot";
  static constexpr float kCosineEps = 1e-6f;  // norms below it count as it

  nlohmann::json ToJson() const;
  static Status FromJson(const nlohmann::json& j, ModelConfig* out);
  Status Validate() const;
};

}  // namespace nba
