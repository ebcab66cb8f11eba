#include "registry/model_config.h"

namespace nba {

nlohmann::json ModelConfig::ToJson() const {
  return {{"architecture", "sasrec"}, {"num_items", num_items}, {"max_len", max_len},
          {"hidden", hidden},         {"heads", heads},         {"blocks", blocks},
          {"ffn_dim", ffn_dim},       {"activation", activation}, {"layout", layout},
          {"positions", positions}, {"event_types", event_types}, {"dropout", dropout},
          {"attn_output_dropout", attn_output_dropout}, {"layer_norm_eps", layer_norm_eps},
          {"similarity", similarity}};
}

Status ModelConfig::FromJson(const nlohmann::json& j, ModelConfig* out) {
  if (!j.is_object()) return Status::InvalidArgument("model config: not a JSON object");
  if (j.value("architecture", "") != "sasrec")
    return Status::NotSupported("model config: architecture must be \"sasrec\"");
  ModelConfig c;
  try {
    c.num_items = j.at("num_items").get<int64_t>();
    c.max_len = j.at("max_len").get<int64_t>();
    c.hidden = j.at("hidden").get<int64_t>();
    c.heads = j.at("heads").get<int64_t>();
    c.blocks = j.at("blocks").get<int64_t>();
    c.ffn_dim = j.at("ffn_dim").get<int64_t>();
    c.activation = j.at("activation").get<std::string>();
    c.layout = j.at("layout").get<std::string>();
    // Artefacts written before the option existed counted from the start.
    c.positions = j.value("positions", std::string("from_start"));
    c.event_types = j.at("event_types").get<bool>();
    c.dropout = j.value("dropout", 0.0);
    // Artefacts written before the option existed dropped the output too.
    c.attn_output_dropout = j.value("attn_output_dropout", true);
    c.layer_norm_eps = j.at("layer_norm_eps").get<double>();
    // Artefacts written before the option existed scored by dot product.
    c.similarity = j.value("similarity", std::string("dot"));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("model config: ") + e.what());
  }
  NBA_RETURN_IF_ERROR(c.Validate());
  *out = c;
  return Status::Ok();
}

Status ModelConfig::Validate() const {
  auto bad = [](const std::string& field, const std::string& why) {
    return Status::InvalidArgument("model config: " + field + ": " + why);
  };
  if (num_items < 1) return bad("num_items", "must be at least 1");
  if (max_len < 1 || max_len > 4096) return bad("max_len", "must be in [1, 4096]");
  if (hidden < 1) return bad("hidden", "must be positive");
  if (heads < 1 || hidden % heads != 0) return bad("heads", "must divide hidden");
  if (blocks < 1) return bad("blocks", "must be at least 1");
  if (ffn_dim < 1) return bad("ffn_dim", "must be positive");
  if (activation != "relu" && activation != "gelu") return bad("activation", "must be relu or gelu");
  if (layout != "pre_ln" && layout != "original") return bad("layout", "must be pre_ln or original");
  if (positions != "from_start" && positions != "from_end") return bad("positions", "must be from_start or from_end");
  if (dropout < 0 || dropout >= 1) return bad("dropout", "must be in [0, 1)");
  if (layer_norm_eps <= 0) return bad("layer_norm_eps", "must be positive");
  if (similarity != "dot" && similarity != "cosine") return bad("similarity", "must be dot or cosine");
  return Status::Ok();
}

}  // namespace nba
