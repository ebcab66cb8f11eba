#include "catalog/catalog.h"

#include <string_view>
#include <vector>

namespace nba {

Status Catalog::Open(const std::string& dir, std::unique_ptr<Catalog>* out) {
  EventLogOptions options;
  options.dir = dir;
  options.segment_bytes = 16ull << 20;
  std::unique_ptr<EventLog> log;
  NBA_RETURN_IF_ERROR(EventLog::Open(options, &log));
  std::unique_ptr<Catalog> c(new Catalog(std::move(log)));
  Status applied;
  NBA_RETURN_IF_ERROR(c->log_->ReadAll(1, [&](uint64_t seq, std::string_view record) {
    applied = c->Apply(seq, record);
    return applied.ok();
  }));
  NBA_RETURN_IF_ERROR(applied);
  *out = std::move(c);
  return Status::Ok();
}

Status Catalog::Apply(uint64_t seq, std::string_view record) {
  auto bad = [&](const std::string& why) {
    return Status::Corruption("catalogue log record " + std::to_string(seq) + ": " + why);
  };
  nlohmann::json j = nlohmann::json::parse(record, nullptr, false);
  if (!j.is_object() || !j.contains("op") || !j["op"].is_string()) return bad("not a catalogue change");
  const std::string op = j["op"].get<std::string>();
  std::unique_lock lock(mu_);
  if (op == "put") {
    Item item;
    std::string field;
    Status s = j.contains("item") ? ParseItem(j["item"], "", &item, &field) : Status::InvalidArgument("missing");
    if (!s.ok()) return bad("item." + field + ": " + s.message());
    std::string id = item.id;
    items_.insert_or_assign(std::move(id), std::move(item));
  } else if (op == "delete") {
    if (!j.contains("id") || !j["id"].is_string()) return bad("delete without an id");
    items_.erase(j["id"].get<std::string>());
  } else {
    return bad("unknown op '" + op + "'");
  }
  version_.store(seq, std::memory_order_release);
  return Status::Ok();
}

Status Catalog::Put(std::span<const Item> items) {
  if (items.empty()) return Status::Ok();
  std::vector<std::string> records;
  records.reserve(items.size());
  for (const Item& item : items) records.push_back(nlohmann::json{{"op", "put"}, {"item", ItemToJson(item)}}.dump());
  if (publisher_) return publisher_(records);
  std::vector<std::string_view> views(records.begin(), records.end());
  std::lock_guard<std::mutex> write(write_mu_);
  uint64_t first = 0;
  NBA_RETURN_IF_ERROR(log_->Append(views, &first));
  std::unique_lock lock(mu_);
  for (const Item& item : items) items_.insert_or_assign(item.id, item);
  version_.store(first + items.size() - 1, std::memory_order_release);
  return Status::Ok();
}

Status Catalog::Delete(const std::string& id) {
  std::lock_guard<std::mutex> write(write_mu_);
  {
    std::shared_lock lock(mu_);
    if (items_.find(id) == items_.end()) return Status::NotFound("no item '" + id + "'");
  }
  std::string record = nlohmann::json{{"op", "delete"}, {"id", id}}.dump();
  if (publisher_) return publisher_({record});
  std::string_view view = record;
  uint64_t seq = 0;
  NBA_RETURN_IF_ERROR(log_->Append({&view, 1}, &seq));
  std::unique_lock lock(mu_);
  items_.erase(id);
  version_.store(seq, std::memory_order_release);
  return Status::Ok();
}

Status Catalog::ApplyPublished(std::string_view record) {
  nlohmann::json j = nlohmann::json::parse(record, nullptr, false);
  if (!j.is_object() || !j.contains("op")) return Status::Corruption("catalogue topic: not a catalogue change");
  std::lock_guard<std::mutex> write(write_mu_);
  uint64_t seq = 0;
  NBA_RETURN_IF_ERROR(log_->Append({&record, 1}, &seq));
  return Apply(seq, record);
}

bool Catalog::Get(const std::string& id, Item* out) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(id);
  if (it == items_.end()) return false;
  *out = it->second;
  return true;
}

size_t Catalog::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

uint64_t Catalog::ForEach(const std::function<void(const Item&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const auto& [id, item] : items_) fn(item);
  return version();
}

}  // namespace nba
