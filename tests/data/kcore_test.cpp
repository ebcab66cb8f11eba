#include "data/kcore.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "data/importer.h"

namespace nba {
namespace {

Dataset Make(const std::vector<std::pair<std::string, std::string>>& user_items) {
  Dataset d;
  for (const auto& [user, items] : user_items) {
    uint32_t u = d.users.Intern(user);
    d.sequences.resize(d.users.size());
    int64_t ts = 0;
    for (char c : items) d.sequences[u].push_back({d.items.Intern(std::string(1, c)), EventType::kView, ts++});
  }
  return d;
}

// Each user as "user:items" with external ids, in dense order.
std::vector<std::string> Dump(const Dataset& d) {
  std::vector<std::string> out;
  for (uint32_t u = 0; u < d.num_users(); ++u) {
    std::string s = d.users.External(u) + ":";
    for (const Interaction& e : d.sequences[u]) s += d.items.External(e.item);
    out.push_back(s);
  }
  return out;
}

using V = std::vector<std::string>;

TEST(KCoreTest, ItemsOnlySinglePass) {
  Dataset d = Make({{"u1", "abcd"}, {"u2", "ab"}, {"u3", "ace"}});
  FilterKCore(&d, 2, 0, false);
  EXPECT_EQ(Dump(d), (V{"u1:abc", "u2:ab", "u3:ac"}));
  EXPECT_EQ(d.num_items(), 3u);
  EXPECT_EQ(d.items.External(1), "a");  // renumbered densely, order kept
  EXPECT_EQ(d.items.External(3), "c");
}

TEST(KCoreTest, SinglePassCountsOnOriginalData) {
  Dataset d = Make({{"u1", "abc"}, {"u2", "ab"}, {"u3", "cd"}, {"u4", "e"}});
  FilterKCore(&d, 2, 2, false);
  // u3 keeps its one remaining event: its count (2) was taken before items went.
  EXPECT_EQ(Dump(d), (V{"u1:abc", "u2:ab", "u3:c"}));
  EXPECT_EQ(d.num_users(), 3u);
  EXPECT_EQ(d.num_items(), 3u);
}

TEST(KCoreTest, IterateReachesFixedPoint) {
  Dataset d = Make({{"u1", "abc"}, {"u2", "ab"}, {"u3", "cd"}, {"u4", "e"}});
  FilterKCore(&d, 2, 2, true);
  EXPECT_EQ(Dump(d), (V{"u1:ab", "u2:ab"}));
  EXPECT_EQ(d.num_items(), 2u);
  EXPECT_EQ(d.sequences[0][1].item, 2u);
}

TEST(KCoreTest, ThresholdsOfOneKeepEverything) {
  Dataset d = Make({{"u1", "abc"}, {"u2", "d"}});
  FilterKCore(&d, 1, 0, true);
  EXPECT_EQ(Dump(d), (V{"u1:abc", "u2:d"}));
}

TEST(KCoreTest, MovieLens1MItemFilterMatchesPublishedCounts) {
  const char* root = std::getenv("NBA_SHARED_DATASETS");
  std::string path = root ? std::string(root) + "/ML-1M.tsv.gz" : "";
  if (path.empty() || !std::filesystem::exists(path)) {
    GTEST_SKIP() << "ML-1M.tsv.gz not found (set NBA_SHARED_DATASETS to the shared datasets dir)";
  }
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(ImportFile(path, {}, &d, &r).ok());
  EXPECT_EQ(r.bad_rows, 0u);
  EXPECT_EQ(d.num_users(), 6040u);
  EXPECT_EQ(d.num_items(), 3706u);
  EXPECT_EQ(d.num_events(), 1000209u);
  FilterKCore(&d, 5, 0, false);
  EXPECT_EQ(d.num_users(), 6040u);
  EXPECT_EQ(d.num_items(), 3416u);
  EXPECT_EQ(d.num_events(), 999611u);
}

}  // namespace
}  // namespace nba
