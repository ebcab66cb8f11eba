// EnsureTopic: creates a Kafka topic when it does not exist yet, so a fresh
// cluster needs no manual step (the broker's auto-creation would give the
// catalogue topic neither one partition nor compaction).
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "stream/kafka_options.h"

namespace nba {

// An existing topic is left as it is (Ok). The replication factor is the
// broker's default.
Status EnsureTopic(const KafkaOptions& options, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& topic_config, int timeout_ms = 10000);

}  // namespace nba
