#include "stream/kafka_properties.h"

namespace nba {

Status KafkaProperties::Build(rd_kafka_conf_t** out) const {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [name, value] : props_) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument("kafka property " + name + "=" + value + ": " + err);
    }
  }
  *out = conf;
  return Status::Ok();
}

}  // namespace nba
