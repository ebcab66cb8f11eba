// KafkaProperties: librdkafka configuration built from name/value pairs, so
// a wrong property or value fails with the property's name.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "core/status.h"

namespace nba {

class KafkaProperties {
 public:
  void Set(std::string name, std::string value) { props_.emplace_back(std::move(name), std::move(value)); }
  // A new configuration holding every property; InvalidArgument naming the
  // first one librdkafka refuses. The caller owns *out.
  Status Build(rd_kafka_conf_t** out) const;

 private:
  std::vector<std::pair<std::string, std::string>> props_;
};

}  // namespace nba
