#include "data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "data/writer.h"

namespace nba {

namespace {

constexpr int kItemsPerCategory = 25;
constexpr double kFollowSeries = 0.8;      // next view is the viewed item's successor
constexpr double kResumeSeries = 0.5;      // a new session goes on where the last one stopped
constexpr double kFollowAccessory = 0.8;   // next view after a purchase is the accessory
constexpr double kPreferredCategory = 0.8; // other views: from the preferred category
constexpr double kCartRate = 0.25;         // view -> add_to_cart
constexpr double kPurchaseRate = 0.5;      // add_to_cart -> purchase
constexpr int64_t kStartMs = 1704067200000;  // 2024-01-01T00:00:00Z
constexpr int64_t kSecondMs = 1000, kHourMs = 3600 * kSecondMs, kDayMs = 24 * kHourMs;

constexpr const char* kCategoryNames[] = {
    "books", "games",  "music",  "toys",   "garden", "kitchen", "wine",   "sports", "beauty", "shoes",
    "bags",  "phones", "office", "spirits", "baby",  "pets",    "travel", "tools",  "lights", "crafts"};
constexpr const char* kCountries[] = {"DE", "FR", "NL", "ES", "IT", "PL", "SE", "AT"};

bool AgeRestricted(const std::string& category) { return category == "wine" || category == "spirits"; }

// Our own sampling on top of mt19937_64, whose output the standard fixes, so
// a seed gives the same shop with any standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  double Uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>(Uniform() * n); }
  bool Chance(double p) { return Uniform() < p; }
  // Index drawn with probability proportional to its weight; `cumulative` is
  // the running sum of the weights.
  size_t Pick(const std::vector<double>& cumulative) {
    double x = Uniform() * cumulative.back();
    size_t i = std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin();
    return std::min(i, cumulative.size() - 1);
  }
  template <typename T>
  void Shuffle(std::vector<T>* v) {
    for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[Below(i)]);
  }

 private:
  std::mt19937_64 gen_;
};

// Catalogue structure the sessions walk along; indices are catalogue positions.
struct Structure {
  std::vector<std::vector<size_t>> members;      // per category
  std::vector<std::vector<double>> cumulative;   // per category, popularity running sums
  std::vector<double> all_cumulative;            // whole catalogue
  std::vector<size_t> category, successor, accessory;
};

std::string CategoryName(int c) {
  std::string name = kCategoryNames[c % std::size(kCategoryNames)];
  if (c >= static_cast<int>(std::size(kCategoryNames))) name += "-" + std::to_string(c);
  return name;
}

Structure MakeCatalog(int num_items, Rng* rng, std::vector<CatalogItem>* items) {
  int num_categories = (num_items + kItemsPerCategory - 1) / kItemsPerCategory;
  Structure s;
  s.members.resize(num_categories);
  s.category.resize(num_items);
  std::vector<double> base_price(num_categories);
  for (double& p : base_price) p = 5 + rng->Below(195);
  for (int i = 0; i < num_items; ++i) {
    int c = i % num_categories;
    s.category[i] = c;
    s.members[c].push_back(i);
    CatalogItem item;
    item.id = "i" + std::to_string(i + 1);
    item.category = CategoryName(c);
    item.price = std::round(base_price[c] * (0.5 + rng->Uniform()) * 100) / 100;
    item.currency = "EUR";
    item.stock = rng->Chance(0.1) ? 0 : 1 + static_cast<int>(rng->Below(200));
    item.min_age = AgeRestricted(item.category) ? 18 : 0;
    item.active = !rng->Chance(0.05);
    items->push_back(std::move(item));
  }
  // Popularity: Zipf over a random rank, so popular items spread over categories.
  std::vector<size_t> rank(num_items);
  for (int i = 0; i < num_items; ++i) rank[i] = i;
  rng->Shuffle(&rank);
  std::vector<double> weight(num_items);
  double total = 0;
  for (int i = 0; i < num_items; ++i) {
    weight[i] = 1.0 / (rank[i] + 1);
    s.all_cumulative.push_back(total += weight[i]);
  }
  s.successor.resize(num_items);
  s.accessory.resize(num_items);
  s.cumulative.resize(num_categories);
  for (int c = 0; c < num_categories; ++c) {
    std::vector<size_t> cycle = s.members[c];
    rng->Shuffle(&cycle);
    for (size_t k = 0; k < cycle.size(); ++k) s.successor[cycle[k]] = cycle[(k + 1) % cycle.size()];
    double sum = 0;
    for (size_t i : s.members[c]) s.cumulative[c].push_back(sum += weight[i]);
  }
  for (int i = 0; i < num_items; ++i) {
    const auto& next = s.members[(s.category[i] + 1) % num_categories];
    s.accessory[i] = next[rng->Below(next.size())];
  }
  return s;
}

class SessionWriter {
 public:
  SessionWriter(const Structure& s, const std::vector<CatalogItem>& items, Rng* rng)
      : s_(s), items_(items), rng_(rng) {}

  // Appends one user's sessions to `seq`.
  void User(const ShopUser& user, size_t preferred, std::vector<Interaction>* seq) {
    age_ = user.age;
    preferred_ = preferred;
    int64_t t = kStartMs + rng_->Below(7 * kDayMs);
    int sessions = 2 + rng_->Below(3);
    for (int k = 0; k < sessions; ++k) {
      t += kHourMs + rng_->Below(72 * kHourMs);
      bool resume = !seq->empty() && rng_->Chance(kResumeSeries);
      Session(resume ? Allowed(s_.successor[seq->back().item - 1]) : Popular(), &t, seq);
    }
  }

 private:
  void Session(size_t item, int64_t* t, std::vector<Interaction>* seq) {
    int views = 4 + rng_->Below(8);
    for (int v = 0; v < views; ++v) {
      Add(item, EventType::kView, t, seq);
      bool bought = false;
      if (rng_->Chance(kCartRate)) {
        Add(item, EventType::kAddToCart, t, seq);
        bought = rng_->Chance(kPurchaseRate);
        if (bought) Add(item, EventType::kPurchase, t, seq);
      }
      if (bought && rng_->Chance(kFollowAccessory)) {
        item = Allowed(s_.accessory[item]);
      } else if (rng_->Chance(kFollowSeries)) {
        item = Allowed(s_.successor[item]);
      } else {
        item = Popular();
      }
    }
  }

  size_t Popular() {
    if (rng_->Chance(kPreferredCategory)) return s_.members[preferred_][rng_->Pick(s_.cumulative[preferred_])];
    return Allowed(rng_->Pick(s_.all_cumulative));
  }

  // `item` when the user may see it, else a popular item of the preferred category.
  size_t Allowed(size_t item) {
    if (items_[item].min_age <= age_) return item;
    return s_.members[preferred_][rng_->Pick(s_.cumulative[preferred_])];
  }

  void Add(size_t item, EventType type, int64_t* t, std::vector<Interaction>* seq) {
    *t += 5 * kSecondMs + rng_->Below(175 * kSecondMs);
    seq->push_back({static_cast<uint32_t>(item + 1), type, *t});
  }

  const Structure& s_;
  const std::vector<CatalogItem>& items_;
  Rng* rng_;
  int age_ = 0;
  size_t preferred_ = 0;
};

Status WriteJsonLines(const std::string& path, const std::vector<nlohmann::json>& rows) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError(path + ": cannot open for writing");
  for (const auto& row : rows) out << row.dump() << '\n';
  out.close();
  if (!out) return Status::IOError(path + ": write failed");
  return Status::Ok();
}

}  // namespace

Status GenerateShop(const ShopOptions& opts, SyntheticShop* out) {
  if (opts.users < 1) return Status::InvalidArgument("users must be at least 1, got " + std::to_string(opts.users));
  if (opts.items < 2) return Status::InvalidArgument("items must be at least 2, got " + std::to_string(opts.items));
  *out = SyntheticShop();
  Rng rng(opts.seed);
  Structure s = MakeCatalog(opts.items, &rng, &out->items);
  for (const CatalogItem& item : out->items) out->events.items.Intern(item.id);

  std::vector<size_t> open_categories;  // those users under 18 may prefer
  for (size_t c = 0; c < s.members.size(); ++c) {
    if (!AgeRestricted(CategoryName(c))) open_categories.push_back(c);
  }
  SessionWriter sessions(s, out->items, &rng);
  out->events.sequences.resize(opts.users);
  for (int u = 0; u < opts.users; ++u) {
    ShopUser user;
    user.id = "u" + std::to_string(u + 1);
    user.age = rng.Chance(0.15) ? 14 + rng.Below(4) : 18 + rng.Below(58);
    user.country = kCountries[rng.Below(std::size(kCountries))];
    size_t preferred = user.age < 18 ? open_categories[rng.Below(open_categories.size())]
                                     : rng.Below(s.members.size());
    out->events.users.Intern(user.id);
    sessions.User(user, preferred, &out->events.sequences[u]);
    out->users.push_back(std::move(user));
  }
  return Status::Ok();
}

Status WriteShop(const SyntheticShop& shop, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create directory: " + ec.message());
  std::vector<nlohmann::json> items, users;
  for (const CatalogItem& i : shop.items) {
    items.push_back({{"id", i.id},
                     {"category", i.category},
                     {"price", i.price},
                     {"currency", i.currency},
                     {"stock", i.stock},
                     {"min_age", i.min_age},
                     {"active", i.active}});
  }
  for (const ShopUser& u : shop.users) users.push_back({{"id", u.id}, {"age", u.age}, {"country", u.country}});
  std::filesystem::path base(dir);
  NBA_RETURN_IF_ERROR(WriteJsonLines((base / "items.jsonl").string(), items));
  NBA_RETURN_IF_ERROR(WriteJsonLines((base / "users.jsonl").string(), users));
  return WriteTsv(shop.events, (base / "events.tsv").string());
}

}  // namespace nba
