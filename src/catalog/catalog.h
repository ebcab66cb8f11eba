// Catalog: the shop's items, durable and in memory.
//
// Every acknowledged change (put or delete) is first a record in the
// catalogue's own EventLog (a JSON line: {"op":"put","item":{...}} or
// {"op":"delete","id":"..."}), so Open() rebuilds exactly the acknowledged
// state by replaying the log. Writes are serialized (log order = apply
// order); reads take a shared lock.
//
// version() is the sequence number of the last applied record: it grows with
// every change, survives restarts, and keys the recommender's caches, so a
// change applies to the next recommendation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/item.h"
#include "core/status.h"
#include "storage/event_log.h"

namespace nba {

class Catalog {
 public:
  // Opens (creating when missing) the catalogue whose log lives in `dir`.
  // Corruption names the log record that does not parse.
  static Status Open(const std::string& dir, std::unique_ptr<Catalog>* out);

  // Stores `items` (already validated) durably, then applies them, replacing
  // items with the same id. Nothing is applied when the log fails.
  Status Put(std::span<const Item> items);
  // Removes `id`; NotFound when there is no such item.
  Status Delete(const std::string& id);

  // Distributed mode: Put and Delete hand their records to `publisher` (the
  // catalogue topic, which every replica follows) instead of applying them;
  // each replica then applies what it reads with ApplyPublished, so all
  // replicas apply the same changes in the same order. Set before serving.
  using Publisher = std::function<Status(const std::vector<std::string>& records)>;
  void SetPublisher(Publisher publisher) { publisher_ = std::move(publisher); }
  // Stores and applies one record read from the topic. Corruption when it
  // does not parse.
  Status ApplyPublished(std::string_view record);

  // False when `id` is unknown.
  bool Get(const std::string& id, Item* out) const;
  size_t size() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Calls fn for every item under the shared lock (no change can interleave)
  // and returns the version the items belong to. fn must not call back.
  uint64_t ForEach(const std::function<void(const Item&)>& fn) const;

  // The log's health, for /readyz.
  Status Health() const { return log_->Health(); }

 private:
  explicit Catalog(std::unique_ptr<EventLog> log) : log_(std::move(log)) {}
  // Applies one log record; Corruption when it does not parse.
  Status Apply(uint64_t seq, std::string_view record);

  std::unique_ptr<EventLog> log_;
  Publisher publisher_;
  std::mutex write_mu_;  // held across append + apply
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Item> items_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace nba
