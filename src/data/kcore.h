// k-core filtering: drop rare items and short users, as the published
// benchmarks do before training, so results compare with their tables.
#pragma once

#include "data/dataset.h"

namespace nba {

// Drops the events of items with fewer than `min_item_events` events and of
// users with fewer than `min_user_events` events, both counted on the data as
// it was before the pass (SASRec's single-pass preprocessing). With `iterate`
// passes repeat until nothing changes, giving a true k-core. Users left with no
// events are removed; users and items are renumbered densely, keeping their
// relative order. A threshold <= 1 filters nothing on its side.
void FilterKCore(Dataset* data, int min_item_events, int min_user_events, bool iterate);

}  // namespace nba
