#include "redis/redis_feature_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "core/clock.h"

namespace nba {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int kTrendingHours = 24;
constexpr int kTrendingTtlSeconds = 26 * 3600;  // past the 24 hours read, whatever the clock skew

// Events, many per call. ARGV: prefix max_events dedupe_window, then five
// per event: user event_id encoded_event item is_purchase. Returns one code
// per event: 1 applied, 0 repeat of an id, 2 no consent.
// Redis runs every script on its one thread, so this script's cost is the
// consumer's ceiling: one call per chunk of events (not per event) saves
// the per-call setup and argument parsing, lists are trimmed back to
// max_events only once 32 past it (RPUSH returns the length; readers take
// the newest max_events), and the users set is touched for new users only. Keys are built here from the user ids; all of one user's keys share
// the hash tag {<user>}, but a call spans users, so this needs one Redis,
// not a Cluster.
const char kEventsScript[] = R"lua(
local p, max, window = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local limit = max + 32
local version_key, users_key = p .. 'version', p .. 'users'
local codes = {}
for i = 4, #ARGV, 5 do
  local user, id, enc = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local base = p .. 'u:{' .. user .. '}:'
  local code = 1
  if id ~= '' and redis.call('LPOS', base .. 'ids', id, 'RANK', -1, 'MAXLEN', window) then
    code = 0
  elseif redis.call('HGET', base .. 'p', 'consent') == '0' then
    code = 2
  else
    if redis.call('RPUSH', base .. 'e', enc) > limit then redis.call('LTRIM', base .. 'e', -max, -1) end
    if id ~= '' and redis.call('RPUSH', base .. 'ids', id) > limit then redis.call('LTRIM', base .. 'ids', -max, -1) end
    if ARGV[i + 4] == '1' then redis.call('SADD', base .. 'b', ARGV[i + 3]) end
    if not redis.call('GETSET', base .. 'v', redis.call('INCR', version_key)) then
      redis.call('SADD', users_key, user)
    end
  end
  codes[#codes + 1] = code
end
return codes
)lua";

// Events per script call: long enough to amortize the call, short enough
// not to hold Redis's thread for long (a few ms).
constexpr size_t kEventsPerCall = 200;

// KEYS: p v users version   ARGV: age country consent user
const char kProfileScript[] = R"lua(
redis.call('HSET', KEYS[1], 'age', ARGV[1], 'country', ARGV[2], 'consent', ARGV[3])
redis.call('SET', KEYS[2], redis.call('INCR', KEYS[4]))
redis.call('SADD', KEYS[3], ARGV[4])
return 1
)lua";

// KEYS: e ids b p v users   ARGV: user
const char kEraseScript[] = R"lua(
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('SREM', KEYS[6], ARGV[1])
return 1
)lua";

int64_t HourOf(int64_t ms) { return ms >= 0 ? ms / kHourMs : -((-ms + kHourMs - 1) / kHourMs); }

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

std::string EncodeEvent(const UserEvent& e) {
  return std::to_string(static_cast<int>(e.type)) + "|" + std::to_string(e.ts_ms) + "|" + e.item_id;
}

bool DecodeEvent(std::string_view s, UserEvent* e) {
  size_t a = s.find('|');
  size_t b = a == std::string_view::npos ? a : s.find('|', a + 1);
  int type = 0;
  if (b == std::string_view::npos || !ParseNumber(s.substr(0, a), &type) || type < 0 || type >= kNumEventTypes ||
      !ParseNumber(s.substr(a + 1, b - a - 1), &e->ts_ms)) {
    return false;
  }
  e->type = static_cast<EventType>(type);
  e->item_id = std::string(s.substr(b + 1));
  return true;
}

}  // namespace

RedisFeatureStore::RedisFeatureStore(std::shared_ptr<RedisClient> client, RedisFeatureStoreOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      event_script_(kEventsScript),
      profile_script_(kProfileScript),
      erase_script_(kEraseScript) {}

std::string RedisFeatureStore::UserKey(std::string_view user_id, const char* field) const {
  std::string key = options_.key_prefix;
  key += "u:{";
  key += user_id;
  key += "}:";
  key += field;
  return key;
}

bool RedisFeatureStore::Get(std::string_view user_id, UserFeatures* out) const {
  bool found = false;
  return Lookup(user_id, out, &found).ok() && found;
}

Status RedisFeatureStore::Lookup(std::string_view user_id, UserFeatures* out, bool* found) const {
  if (options_.local_cache_ms > 0) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(user_id);
    if (it != cache_.end() && SteadyMs() - it->second.fetched_ms < options_.local_cache_ms) {
      *found = it->second.found;
      if (*found) *out = it->second.features;
      return Status::Ok();
    }
  }
  Status s = Fetch(user_id, out, found);
  if (!s.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  if (options_.local_cache_ms > 0) Remember(user_id, *out, *found);
  return Status::Ok();
}

Status RedisFeatureStore::Fetch(std::string_view user_id, UserFeatures* out, bool* found) const {
  const std::string events_key = UserKey(user_id, "e"), purchased_key = UserKey(user_id, "b"),
                    profile_key = UserKey(user_id, "p"), version_key = UserKey(user_id, "v");
  std::vector<RedisReply> replies;
  NBA_RETURN_IF_ERROR(client_->Pipeline({{"MULTI"},
                                         {"LRANGE", events_key, "-" + std::to_string(std::max<size_t>(options_.max_events, 1)), "-1"},
                                         {"SMEMBERS", purchased_key},
                                         {"HGETALL", profile_key},
                                         {"GET", version_key},
                                         {"EXEC"}},
                                        &replies));
  const RedisReply& exec = replies.back();
  if (exec.type != RedisReply::Type::kArray || exec.elements.size() != 4) {
    return Status::IOError("redis " + client_->address() + ": lookup of user '" + std::string(user_id) +
                           "' failed: " + (exec.is_error() ? exec.str : "unexpected EXEC reply"));
  }
  const RedisReply& events = exec.elements[0];
  const RedisReply& purchased = exec.elements[1];
  const RedisReply& profile = exec.elements[2];
  const RedisReply& version = exec.elements[3];
  auto corrupt = [&](const std::string& key, const std::string& why) {
    return Status::Corruption("redis " + client_->address() + ": key " + key + ": " + why);
  };
  if (events.type != RedisReply::Type::kArray) return corrupt(events_key, "not a list: " + events.str);
  if (purchased.type != RedisReply::Type::kArray) return corrupt(purchased_key, "not a set: " + purchased.str);
  if (profile.type != RedisReply::Type::kArray || profile.elements.size() % 2 != 0) {
    return corrupt(profile_key, "not a hash: " + profile.str);
  }
  if (version.type != RedisReply::Type::kNil && version.type != RedisReply::Type::kString) {
    return corrupt(version_key, "not a string: " + version.str);
  }

  out->recent.clear();
  out->recent.reserve(events.elements.size());
  for (size_t i = 0; i < events.elements.size(); ++i) {
    UserEvent e;
    if (!DecodeEvent(events.elements[i].str, &e)) {
      return corrupt(events_key, "event " + std::to_string(i) + " '" + events.elements[i].str +
                                     "' is not <type>|<ts_ms>|<item_id>");
    }
    out->recent.push_back(std::move(e));
  }
  out->purchased.clear();
  for (const RedisReply& item : purchased.elements) out->purchased.push_back(item.str);
  std::sort(out->purchased.begin(), out->purchased.end());

  out->profile = UserProfile();
  out->has_profile = !profile.elements.empty();
  for (size_t i = 0; i < profile.elements.size(); i += 2) {
    const std::string& field = profile.elements[i].str;
    const std::string& value = profile.elements[i + 1].str;
    if (field == "age" && !ParseNumber(value, &out->profile.age)) {
      return corrupt(profile_key, "field age '" + value + "' is not an integer");
    }
    if (field == "country") out->profile.country = value;
    if (field == "consent") out->profile.consent = value != "0";
  }
  out->version = 0;
  if (version.type == RedisReply::Type::kString && !ParseNumber(version.str, &out->version)) {
    return corrupt(version_key, "'" + version.str + "' is not a version number");
  }
  *found = !out->recent.empty() || !out->purchased.empty() || out->has_profile ||
           version.type == RedisReply::Type::kString;
  return Status::Ok();
}

void RedisFeatureStore::Remember(std::string_view user_id, const UserFeatures& features, bool found) const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cache_.size() >= std::max<size_t>(options_.local_cache_entries, 1) && cache_.find(user_id) == cache_.end()) {
    cache_.clear();
  }
  CachedLookup entry{SteadyMs(), found, found ? features : UserFeatures()};
  auto it = cache_.find(user_id);
  if (it == cache_.end()) {
    cache_.emplace(std::string(user_id), std::move(entry));
  } else {
    it->second = std::move(entry);
  }
}

void RedisFeatureStore::Forget(std::string_view user_id) const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find(user_id);
  if (it != cache_.end()) cache_.erase(it);
}

Status RedisFeatureStore::ApplyBatch(std::span<const FeatureChange> changes, std::vector<ApplyOutcome>* applied) {
  applied->assign(changes.size(), ApplyOutcome::kDuplicate);
  const std::string users_key = options_.key_prefix + "users";
  const std::string version_key = options_.key_prefix + "version";
  const std::string max_events = std::to_string(std::max<size_t>(options_.max_events, 1));
  const std::string dedupe_window = std::to_string(std::max<size_t>(options_.dedupe_window, 1));
  // Calls in change order (a user's profile, events and erasure must apply
  // in order); runs of events are chunked into one call each. first[k] is
  // the index of call k's first change.
  std::vector<RedisScriptCall> calls;
  std::vector<size_t> first;
  for (size_t i = 0; i < changes.size(); ++i) {
    const FeatureChange& c = changes[i];
    if (c.user_id.empty()) {
      return Status::InvalidArgument("feature change " + std::to_string(i) + ": empty user id");
    }
    const std::string& u = c.user_id;
    switch (c.kind) {
      case FeatureChange::kEvent: {
        const bool extend = !calls.empty() && calls.back().script == &event_script_ &&
                            (calls.back().args.size() - 3) / 5 < kEventsPerCall;
        if (!extend) {
          calls.push_back({&event_script_, {}, {options_.key_prefix, max_events, dedupe_window}});
          first.push_back(i);
        }
        std::vector<std::string>& args = calls.back().args;
        args.push_back(u);
        args.push_back(c.event_id);
        args.push_back(EncodeEvent(c.event));
        args.push_back(c.event.item_id);
        args.push_back(c.event.type == EventType::kPurchase ? "1" : "0");
        break;
      }
      case FeatureChange::kProfile:
        calls.push_back({&profile_script_,
                         {UserKey(u, "p"), UserKey(u, "v"), users_key, version_key},
                         {std::to_string(c.profile.age), c.profile.country, c.profile.consent ? "1" : "0", u}});
        first.push_back(i);
        break;
      case FeatureChange::kErase:
        calls.push_back({&erase_script_,
                         {UserKey(u, "e"), UserKey(u, "ids"), UserKey(u, "b"), UserKey(u, "p"), UserKey(u, "v"),
                          users_key},
                         {u}});
        first.push_back(i);
        break;
    }
  }
  std::vector<RedisReply> replies;
  Status s = client_->EvalShaPipeline(calls, &replies);
  for (const FeatureChange& c : changes) Forget(c.user_id);
  if (!s.ok()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  Status first_error;
  for (size_t k = 0; k < replies.size(); ++k) {
    const RedisReply& r = replies[k];
    if (r.is_error()) {
      if (first_error.ok()) {
        first_error = Status::IOError("redis " + client_->address() + ": feature change " + std::to_string(first[k]) +
                                      " for user '" + changes[first[k]].user_id + "': " + r.str);
      }
      continue;
    }
    if (calls[k].script != &event_script_) {
      (*applied)[first[k]] = ApplyOutcome::kApplied;
      continue;
    }
    for (size_t j = 0; j < r.elements.size() && first[k] + j < changes.size(); ++j) {
      const long long code = r.elements[j].integer;
      (*applied)[first[k] + j] =
          code == 1 ? ApplyOutcome::kApplied : code == 2 ? ApplyOutcome::kNoConsent : ApplyOutcome::kDuplicate;
    }
  }
  if (first_error.ok()) first_error = AddTrending(changes, *applied);
  if (!first_error.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
  return first_error;
}

// One ZINCRBY per item and hour of the batch's applied events, and one
// EXPIRE per hour key. Not atomic with the events: a crash in between loses
// the batch's trending counts (the fallback is an approximation anyway).
Status RedisFeatureStore::AddTrending(std::span<const FeatureChange> changes,
                                      const std::vector<ApplyOutcome>& applied) {
  std::map<std::pair<int64_t, std::string>, double> weights;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (changes[i].kind != FeatureChange::kEvent || applied[i] != ApplyOutcome::kApplied) continue;
    weights[{HourOf(changes[i].event.ts_ms), changes[i].event.item_id}] +=
        TrendingWeight(changes[i].event.type);
  }
  if (weights.empty()) return Status::Ok();
  std::vector<std::vector<std::string>> commands;
  std::set<int64_t> hours;
  for (const auto& [key, weight] : weights) {
    const std::string hour_key = options_.key_prefix + "trend:" + std::to_string(key.first);
    commands.push_back({"ZINCRBY", hour_key, std::to_string(weight), key.second});
    if (hours.insert(key.first).second) commands.push_back({"EXPIRE", hour_key, std::to_string(kTrendingTtlSeconds)});
  }
  std::vector<RedisReply> replies;
  return client_->Pipeline(commands, &replies);
}

void RedisFeatureStore::ApplyOne(const FeatureChange& change) {
  std::vector<ApplyOutcome> applied;
  ApplyBatch(std::span<const FeatureChange>(&change, 1), &applied);  // a failure is counted in errors_
}

void RedisFeatureStore::ApplyEvent(std::string_view user_id, const UserEvent& event) {
  FeatureChange change;
  change.kind = FeatureChange::kEvent;
  change.user_id = user_id;
  change.event = event;
  ApplyOne(change);
}

void RedisFeatureStore::SetProfile(std::string_view user_id, const UserProfile& profile) {
  FeatureChange change;
  change.kind = FeatureChange::kProfile;
  change.user_id = user_id;
  change.profile = profile;
  ApplyOne(change);
}

void RedisFeatureStore::Erase(std::string_view user_id) {
  FeatureChange change;
  change.kind = FeatureChange::kErase;
  change.user_id = user_id;
  ApplyOne(change);
}

Status RedisFeatureStore::TrendingTop(int64_t now_ms, double half_life_hours, size_t n,
                                      std::vector<TrendingItem>* out) const {
  out->clear();
  if (!(half_life_hours > 0)) {
    return Status::InvalidArgument("trending half life must be > 0 hours, got " + std::to_string(half_life_hours));
  }
  if (n == 0) return Status::Ok();
  const int64_t hour = HourOf(now_ms);
  std::vector<std::string> command{"ZUNION", std::to_string(kTrendingHours)};
  for (int age = 0; age < kTrendingHours; ++age) {
    command.push_back(options_.key_prefix + "trend:" + std::to_string(hour - age));
  }
  command.push_back("WEIGHTS");
  for (int age = 0; age < kTrendingHours; ++age) {
    char weight[32];
    auto [end, ec] = std::to_chars(weight, weight + sizeof(weight), std::exp2(-age / half_life_hours));
    command.emplace_back(weight, end);
  }
  command.push_back("WITHSCORES");
  RedisReply reply;
  NBA_RETURN_IF_ERROR(client_->Command(command, &reply));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() % 2 != 0) {
    return Status::IOError("redis " + client_->address() + ": ZUNION of trending keys failed: " + reply.str);
  }
  std::vector<TrendingItem> items;
  items.reserve(reply.elements.size() / 2);
  for (size_t i = 0; i < reply.elements.size(); i += 2) {
    double score = 0;
    if (!ParseNumber(reply.elements[i + 1].str, &score)) {
      return Status::Corruption("redis " + client_->address() + ": trending score '" + reply.elements[i + 1].str +
                                "' of item '" + reply.elements[i].str + "' is not a number");
    }
    items.push_back(TrendingItem{reply.elements[i].str, score});
  }
  auto better = [](const TrendingItem& a, const TrendingItem& b) {
    return a.score != b.score ? a.score > b.score : a.item_id < b.item_id;
  };
  size_t keep = std::min(n, items.size());
  std::partial_sort(items.begin(), items.begin() + keep, items.end(), better);
  items.resize(keep);
  *out = std::move(items);
  return Status::Ok();
}

size_t RedisFeatureStore::num_users() const {
  RedisReply reply;
  if (!client_->Command({"SCARD", options_.key_prefix + "users"}, &reply).ok()) return 0;
  return reply.type == RedisReply::Type::kInteger ? static_cast<size_t>(reply.integer) : 0;
}

size_t RedisFeatureStore::memory_bytes() const {
  RedisReply reply;
  if (!client_->Command({"INFO", "memory"}, &reply).ok() || reply.type != RedisReply::Type::kString) return 0;
  constexpr std::string_view kField = "\r\nused_memory:";
  size_t at = reply.str.find(kField);
  if (at == std::string::npos) return 0;
  at += kField.size();
  size_t end = reply.str.find('\r', at);
  size_t bytes = 0;
  return ParseNumber(std::string_view(reply.str).substr(at, end - at), &bytes) ? bytes : 0;
}

}  // namespace nba
