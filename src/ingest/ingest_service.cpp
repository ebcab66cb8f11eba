#include "ingest/ingest_service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>

#include "core/clock.h"
#include "ingest/event_record.h"
#include "registry/file_util.h"
#include "server/json_text.h"

namespace nba {
namespace {

// {"accepted":n,"rejected":[...]} with an optional leading "error".
std::string ResultBody(const ParsedEvents& p, std::string_view error) {
  std::string body = "{";
  if (!error.empty()) {
    body += "\"error\":{\"code\":\"invalid_events\",\"message\":";
    AppendJsonString(&body, error);
    body += "},";
  }
  body += "\"accepted\":" + std::to_string(p.events.size()) + ",\"rejected\":[";
  for (size_t i = 0; i < p.errors.size(); ++i) {
    const EventError& e = p.errors[i];
    body += i == 0 ? "{\"index\":" : ",{\"index\":";
    body += std::to_string(e.index) + ",\"field\":";
    AppendJsonString(&body, e.field);
    body += ",\"reason\":";
    AppendJsonString(&body, e.reason);
    body += "}";
  }
  return body + "]}";
}

void AppendProfile(std::string* body, const UserProfile& p) {
  *body += "{\"age\":" + (p.age < 0 ? std::string("null") : std::to_string(p.age)) + ",\"country\":";
  if (p.country.empty()) {
    *body += "null";
  } else {
    AppendJsonString(body, p.country);
  }
  *body += std::string(",\"consent\":") + (p.consent ? "true" : "false") + "}";
}

// The {user_id} path parameter, or an error response.
bool UserIdParam(const Request& req, const EventSchema& schema, std::string* id, Response* error) {
  *id = *req.PathParam("id");
  std::string reason;
  if (ValidId(*id, schema.max_id_bytes, &reason)) return true;
  *error = ErrorResponse(400, "invalid_user_id", "user id " + reason, "user_id");
  return false;
}

}  // namespace

IngestService::IngestService(IngestOptions options, EventLog* log, MemoryFeatureStore* store)
    : options_(std::move(options)), log_(log), store_(store), sink_(nullptr), reader_(store), pool_(options_.workers) {}

IngestService::IngestService(IngestOptions options, RecordSink* sink, const FeatureStore* reader)
    : options_(std::move(options)), log_(nullptr), store_(nullptr), sink_(sink), reader_(reader),
      pool_(options_.workers) {
  // 64 random bits per process: ids from replicas and restarts never meet.
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
  event_id_prefix_ = std::string(hex) + "-";
}

std::string IngestService::NewEventId() {
  return event_id_prefix_ + std::to_string(next_event_id_.fetch_add(1, std::memory_order_relaxed));
}

IngestService::~IngestService() { Stop(); }

void IngestService::Stop() { pool_.Stop(); }

void IngestService::AddListener(EventListener listener) { listeners_.push_back(std::move(listener)); }

Status IngestService::Register(HttpService* service) {
  MetricsRegistry& m = service->metrics();
  CounterFamily* ingested = m.AddCounter("nba_events_ingested_total", "Events acknowledged (durable), by type.", {"type"});
  ingested_.assign(kNumEventTypes, nullptr);
  for (const auto& [name, type] : options_.schema.event_types) {
    ingested_[static_cast<size_t>(type)] = ingested->Get({EventTypeName(type)});
  }
  rejected_ = m.AddCounter("nba_events_rejected_total", "Events rejected by validation or consent.")->Get();
  append_seconds_ = m.AddHistogram("nba_event_log_append_seconds",
                                   "Durable append latency per request (queueing, write and fdatasync).",
                                   DefaultLatencyBuckets())
                        ->Get();
  fsync_seconds_ = m.AddGauge("nba_event_log_fsync_seconds", "Seconds spent in fdatasync since the log opened.")->Get();
  fsyncs_ = m.AddGauge("nba_event_log_fsyncs", "fdatasync calls (group commits) since the log opened.")->Get();
  users_ = m.AddGauge("nba_feature_store_users", "Users in the feature store.")->Get();
  users_->Set(static_cast<double>(reader_->num_users()));
  if (log_ != nullptr) service->readiness().AddCheck("event_log", [log = log_] { return log->Health(); });

  using namespace std::placeholders;
  NBA_RETURN_IF_ERROR(service->AddAsyncRoute("POST", "/v1/events", Scope::kIngest,
                                             std::bind(&IngestService::PostEvents, this, _1, _2)));
  NBA_RETURN_IF_ERROR(service->AddAsyncRoute("PUT", "/v1/users/{id}", Scope::kIngest,
                                             std::bind(&IngestService::PutUser, this, _1, _2)));
  NBA_RETURN_IF_ERROR(service->AddAsyncRoute("DELETE", "/v1/users/{id}", Scope::kAdmin,
                                             std::bind(&IngestService::DeleteUser, this, _1, _2)));
  return service->AddRoute("GET", "/v1/users/{id}", Scope::kAdmin,
                           [this](const Request& req) { return GetUser(req); });
}

Status IngestService::Append(const std::vector<std::string>& records, const std::vector<std::string>& keys) {
  std::vector<std::string_view> views(records.begin(), records.end());
  if (sink_ != nullptr) {
    std::vector<std::string_view> key_views(keys.begin(), keys.end());
    return sink_->Append(views, key_views);
  }
  uint64_t first_seq = 0;
  Status s = log_->Append(views, &first_seq);
  EventLogStats stats = log_->stats();
  fsync_seconds_->Set(static_cast<double>(stats.fsync_nanos) / 1e9);
  fsyncs_->Set(static_cast<double>(stats.fsyncs));
  return s;
}

void IngestService::Write(std::vector<std::string> records, std::vector<std::string> keys, Responder respond,
                          std::function<Response()> apply) {
  auto task = [this, records = std::move(records), keys = std::move(keys), respond, apply = std::move(apply)] {
    std::shared_lock<std::shared_mutex> lock(apply_mu_);
    auto start = std::chrono::steady_clock::now();
    Status s = Append(records, keys);
    append_seconds_->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!s.ok()) {
      lock.unlock();
      return respond(ErrorResponse(503, sink_ != nullptr ? "kafka_unavailable" : "log_unavailable",
                                   "nothing was stored: " + s.ToString()));
    }
    Response res = apply();
    lock.unlock();
    if (store_ != nullptr) users_->Set(static_cast<double>(store_->num_users()));
    respond(std::move(res));
  };
  if (!pool_.Submit(std::move(task))) {
    respond(ErrorResponse(503, "shutting_down", "the server is shutting down: nothing was stored"));
  }
}

void IngestService::PostEvents(const Request& req, Responder respond) {
  auto p = std::make_shared<ParsedEvents>();
  Status s = ParseEvents(req.body, options_.schema, NowMs(), p.get());
  if (!s.ok()) {
    rejected_->Inc();
    return respond(ErrorResponse(400, "invalid_body", s.message(), "body"));
  }
  size_t kept = 0;
  for (size_t i = 0; i < p->events.size(); ++i) {
    if (store_ != nullptr && !store_->AcceptsEvents(p->events[i].user_id)) {
      p->errors.push_back({p->indices[i], "user_id", "user has withdrawn consent: events are not stored"});
      continue;
    }
    if (kept != i) {
      p->events[kept] = std::move(p->events[i]);
      p->indices[kept] = p->indices[i];
    }
    ++kept;
  }
  p->events.resize(kept);
  p->indices.resize(kept);
  std::sort(p->errors.begin(), p->errors.end(), [](const EventError& a, const EventError& b) { return a.index < b.index; });
  rejected_->Inc(p->errors.size());
  if (p->events.empty()) {
    return respond(Response::Json(400, ResultBody(*p, "none of the " + std::to_string(p->total) + " events was accepted")));
  }
  std::vector<std::string> records(p->events.size()), keys(p->events.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (sink_ != nullptr && p->events[i].event_id.empty()) p->events[i].event_id = NewEventId();
    EncodeEvent(p->events[i], &records[i]);
    keys[i] = p->events[i].user_id;
  }
  Write(std::move(records), std::move(keys), std::move(respond), [this, p] {
    for (const IngestEvent& e : p->events) {
      UserEvent event = ToUserEvent(e);
      if (store_ != nullptr) store_->ApplyEvent(e.user_id, event);
      if (Counter* c = ingested_[static_cast<size_t>(e.type)]) c->Inc();
      for (const EventListener& listener : listeners_) listener(e.user_id, event);
    }
    return Response::Json(200, ResultBody(*p, {}));
  });
}

void IngestService::PutUser(const Request& req, Responder respond) {
  std::string id, field;
  Response error;
  if (!UserIdParam(req, options_.schema, &id, &error)) return respond(std::move(error));
  UserProfile profile;
  Status s = ParseProfile(req.body, &profile, &field);
  if (!s.ok()) return respond(ErrorResponse(400, "invalid_profile", s.message(), field));
  std::vector<std::string> records(1);
  EncodeProfile(id, profile, &records[0]);
  Write(std::move(records), {id}, std::move(respond), [this, id, profile] {
    if (store_ != nullptr) store_->SetProfile(id, profile);
    std::string body = "{\"user_id\":";
    AppendJsonString(&body, id);
    body += ",\"profile\":";
    AppendProfile(&body, profile);
    return Response::Json(200, body + "}");
  });
}

void IngestService::DeleteUser(const Request& req, Responder respond) {
  std::string id;
  Response error;
  if (!UserIdParam(req, options_.schema, &id, &error)) return respond(std::move(error));
  std::vector<std::string> records(1);
  EncodeErase(id, &records[0]);
  Write(std::move(records), {id}, std::move(respond), [this, id] {
    if (store_ != nullptr) store_->Erase(id);
    std::string body = "{\"user_id\":";
    AppendJsonString(&body, id);
    return Response::Json(200, body + ",\"erased\":true}");
  });
}

Response IngestService::GetUser(const Request& req) const {
  std::string id;
  Response error;
  if (!UserIdParam(req, options_.schema, &id, &error)) return error;
  UserFeatures f;
  bool found = false;
  Status s = reader_->Lookup(id, &f, &found);
  if (!s.ok()) return ErrorResponse(503, "store_unavailable", s.ToString());
  if (!found) return ErrorResponse(404, "not_found", "unknown user '" + id + "'", "user_id");
  std::string body = "{\"user_id\":";
  AppendJsonString(&body, id);
  body += ",\"version\":" + std::to_string(f.version) + ",\"profile\":";
  if (f.has_profile) {
    AppendProfile(&body, f.profile);
  } else {
    body += "null";
  }
  body += ",\"recent\":[";
  for (size_t i = 0; i < f.recent.size(); ++i) {
    body += i == 0 ? "{\"item_id\":" : ",{\"item_id\":";
    AppendJsonString(&body, f.recent[i].item_id);
    body += std::string(",\"event_type\":\"") + EventTypeName(f.recent[i].type) +
            "\",\"timestamp\":" + std::to_string(f.recent[i].ts_ms) + "}";
  }
  body += "],\"purchased\":[";
  for (size_t i = 0; i < f.purchased.size(); ++i) {
    if (i > 0) body += ",";
    AppendJsonString(&body, f.purchased[i]);
  }
  return Response::Json(200, body + "]}");
}

Status IngestService::Snapshot(const std::string& path) {
  if (log_ == nullptr) return Status::NotSupported("feature snapshots are written by the embedded mode only");
  std::string data;
  {
    std::unique_lock<std::shared_mutex> lock(apply_mu_);
    uint64_t next_seq = 0;
    NBA_RETURN_IF_ERROR(log_->Append({}, &next_seq));
    store_->EncodeSnapshot(next_seq - 1, &data);
  }
  return WriteFileAtomic(path, data);
}

}  // namespace nba
