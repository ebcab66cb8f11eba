#include "data/kcore.h"

#include <vector>

namespace nba {

namespace {

// One simultaneous pass; returns whether any event was dropped.
bool FilterOnce(Dataset* data, size_t min_item_events, size_t min_user_events) {
  std::vector<size_t> item_count(data->num_items() + 1, 0);
  for (const auto& seq : data->sequences) {
    for (const Interaction& e : seq) ++item_count[e.item];
  }
  bool changed = false;
  for (auto& seq : data->sequences) {
    size_t before = seq.size();
    if (seq.size() < min_user_events) {
      seq.clear();
    } else {
      std::erase_if(seq, [&](const Interaction& e) { return item_count[e.item] < min_item_events; });
    }
    changed |= seq.size() != before;
  }
  return changed;
}

// Rebuilds dense ids over the users and items that still have events.
void Renumber(Dataset* data) {
  Dataset out;
  std::vector<uint32_t> new_item(data->num_items() + 1, 0);
  for (const auto& seq : data->sequences) {
    for (const Interaction& e : seq) new_item[e.item] = 1;
  }
  for (uint32_t item = 1; item <= data->num_items(); ++item) {
    if (new_item[item] != 0) new_item[item] = out.items.Intern(data->items.External(item));
  }
  for (uint32_t user = 0; user < data->num_users(); ++user) {
    auto& seq = data->sequences[user];
    if (seq.empty()) continue;
    out.users.Intern(data->users.External(user));
    for (Interaction& e : seq) e.item = new_item[e.item];
    out.sequences.push_back(std::move(seq));
  }
  *data = std::move(out);
}

}  // namespace

void FilterKCore(Dataset* data, int min_item_events, int min_user_events, bool iterate) {
  size_t min_item = min_item_events > 0 ? min_item_events : 0;
  size_t min_user = min_user_events > 0 ? min_user_events : 0;
  bool changed = FilterOnce(data, min_item, min_user);
  while (iterate && changed) changed = FilterOnce(data, min_item, min_user);
  Renumber(data);
}

}  // namespace nba
