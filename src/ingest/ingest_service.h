// IngestService: the write side of `nba serve`. It registers on an
// HttpService:
//   POST   /v1/events      (scope ingest)  events -> event log -> feature store
//   PUT    /v1/users/{id}  (scope ingest)  profile -> event log -> feature store
//   GET    /v1/users/{id}  (scope admin)   the user's features, for support and tests
//   DELETE /v1/users/{id}  (scope admin)   erasure record -> event log; user dropped
//                                          from the store (reader rule: replay.h)
//
// An answer 200 means durable: the records were fdatasync'ed by the event
// log before the store changed and the response was sent. Writes run on a
// worker pool (the io threads never block in fdatasync); each request is one
// EventLog::Append, and the log merges concurrent requests into one group
// commit. When the log cannot write (disk full, failed fsync) the answer is
// 503 with the reason and the store is untouched.
//
// POST /v1/events answers (body {"accepted": n, "rejected": [{"index": i,
// "field": "...", "reason": "..."}]}, rejected in body order):
//   200 when at least one event was accepted (the rejected ones are listed);
//   400 when none was (same body plus "error"), or for a body that is not
//       JSON / UTF-8, not an object or array, or an empty array (error body);
//   503 when the log failed: nothing of the request was acknowledged.
// Events of a user whose profile says consent=false are rejected (field
// user_id) and never stored.
//
// Snapshot() writes the feature store, consistent with a log sequence
// number, for a fast restart (RebuildFeatures in replay.h).
//
// Distributed mode (the second constructor): records go to a RecordSink
// (Kafka) instead, nothing is applied here (nba consume applies them to the
// shared feature store), events without an event_id get a unique one, and
// the answer 200 means the sink acknowledged them; 503 when it did not.
// Consent is then enforced by the consumer, which holds the profiles.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "features/memory_feature_store.h"
#include "ingest/event_codec.h"
#include "ingest/record_sink.h"
#include "ingest/worker_pool.h"
#include "server/http_service.h"
#include "storage/event_log.h"

namespace nba {

struct IngestOptions {
  EventSchema schema;
  int workers = 64;  // threads waiting on Append; they mostly sleep in fdatasync
};

// Called after an event is durable and applied, on a worker thread; keep it
// short (the recommender's trending counters and cache invalidation).
using EventListener = std::function<void(const std::string& user_id, const UserEvent& event)>;

class IngestService {
 public:
  // Embedded: `log` and `store` must outlive the service.
  IngestService(IngestOptions options, EventLog* log, MemoryFeatureStore* store);
  // Distributed: `sink` and `reader` (for GET /v1/users/{id}) must outlive it.
  IngestService(IngestOptions options, RecordSink* sink, const FeatureStore* reader);
  ~IngestService();  // Stop()

  IngestService(const IngestService&) = delete;
  IngestService& operator=(const IngestService&) = delete;

  // Adds the routes, the metrics and an "event_log" readiness check.
  // Call once, before the server starts; `service` must outlive this.
  Status Register(HttpService* service);
  // Before the server starts.
  void AddListener(EventListener listener);

  // Writes the store to `path` atomically, covering every record appended so
  // far. Writes wait while the store is copied (not while the file is written).
  // Embedded mode only.
  Status Snapshot(const std::string& path);

  // Finishes queued writes and joins the workers; later writes get 503. Call
  // after the server drained (HttpServer::OnShutdown), before closing the log.
  void Stop();

 private:
  void PostEvents(const Request& req, Responder respond);
  void PutUser(const Request& req, Responder respond);
  void DeleteUser(const Request& req, Responder respond);
  Response GetUser(const Request& req) const;
  // On a worker: appends `records` (keys: their user ids) in one call, then
  // runs `apply` (under the shared side of apply_mu_) and responds with its
  // answer; 503 when the append fails.
  void Write(std::vector<std::string> records, std::vector<std::string> keys, Responder respond,
             std::function<Response()> apply);
  Status Append(const std::vector<std::string>& records, const std::vector<std::string>& keys);
  // A process-unique id for an event the client sent without one.
  std::string NewEventId();

  const IngestOptions options_;
  EventLog* const log_;               // embedded, else null
  MemoryFeatureStore* const store_;   // embedded, else null
  RecordSink* const sink_;            // distributed, else null
  const FeatureStore* const reader_;
  std::string event_id_prefix_;
  std::atomic<uint64_t> next_event_id_{0};
  std::vector<EventListener> listeners_;
  // Shared by every append+apply, exclusive for Snapshot: a snapshot then
  // holds exactly the records up to the log's last sequence number.
  std::shared_mutex apply_mu_;
  WorkerPool pool_;

  std::vector<Counter*> ingested_;  // by EventType value
  Counter* rejected_ = nullptr;
  Histogram* append_seconds_ = nullptr;
  Gauge* fsync_seconds_ = nullptr;
  Gauge* fsyncs_ = nullptr;
  Gauge* users_ = nullptr;
};

}  // namespace nba
