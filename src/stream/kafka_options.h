// KafkaOptions: what every Kafka client of the engine is configured with.
#pragma once

#include <map>
#include <string>

namespace nba {

struct KafkaOptions {
  std::string brokers;        // bootstrap servers, "host:port,host:port"
  std::string client_id = "nba";
  int linger_ms = 5;          // producer: wait this long to fill a batch
  std::string compression = "lz4";
  int delivery_timeout_ms = 5000;  // producer: a message not acknowledged by then fails
  // Any other librdkafka property, set last (e.g. "socket.timeout.ms").
  std::map<std::string, std::string> properties;
};

}  // namespace nba
