// SharedCache: a recommendation cache shared by every replica (Redis in the
// distributed mode), behind the recommender's own in-process LRU. Values are
// encoded recommendations (EncodeRecommendation); entries expire by TTL, and
// keys carry every version the answer depends on, so nothing is invalidated.
// Both calls must be cheap to fail: a cache that cannot answer is a miss.
#pragma once

#include <string>

namespace nba {

class SharedCache {
 public:
  virtual ~SharedCache() = default;
  // False on a miss or when the cache could not be asked.
  virtual bool Get(const std::string& key, std::string* value) = 0;
  // Best effort: a failure is counted by the implementation, never raised.
  virtual void Put(const std::string& key, const std::string& value) = 0;
};

}  // namespace nba
