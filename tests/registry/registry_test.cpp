#include "registry/registry.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace nba {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

Artefact Model(double ndcg) {
  Artefact a;
  a.config = {{"hidden", 4}};
  a.weights = {{"w", Tensor{{2}, {1, 2}}}};
  a.items.Intern("sku-1");
  a.metrics = {{"test", {{"full", {{"ndcg@10", ndcg}}}}}};
  return a;
}

std::unique_ptr<ModelRegistry> OpenAt(const std::string& dir) {
  std::unique_ptr<ModelRegistry> r;
  Status s = ModelRegistry::Open(dir, &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return r;
}

std::string ProductionOf(const ModelRegistry& r) {
  std::string v;
  Status s = r.Production(&v);
  return s.ok() ? v : s.ToString();
}

TEST(RegistryTest, FirstVersionIsPromotedLaterOnesWait) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string v1, v2;
  ASSERT_TRUE(r->Register(Model(0.1), &v1).ok());
  ASSERT_TRUE(r->Register(Model(0.2), &v2).ok());
  EXPECT_EQ(v1, "0001");
  EXPECT_EQ(v2, "0002");
  EXPECT_EQ(ProductionOf(*r), "0001");

  std::vector<VersionInfo> list;
  ASSERT_TRUE(r->List(&list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].version, "0001");
  EXPECT_TRUE(list[0].production);
  EXPECT_FALSE(list[1].production);
  EXPECT_EQ(list[1].ndcg_at_10, 0.2);
  EXPECT_TRUE(list[1].status.ok());
  EXPECT_EQ(list[1].created.back(), 'Z');
}

TEST(RegistryTest, PromoteAndRollback) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string v;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(r->Register(Model(i), &v).ok());
  ASSERT_TRUE(r->Promote("3").ok());
  EXPECT_EQ(ProductionOf(*r), "0003");
  ASSERT_TRUE(r->Promote("0002").ok());
  ASSERT_TRUE(r->Promote("0002").ok());  // already production: no new history entry
  std::string dir;
  ASSERT_TRUE(r->ProductionDir(&dir).ok());
  EXPECT_EQ(fs::path(dir), fs::path(tmp / "reg") / "versions" / "0002");

  ASSERT_TRUE(r->Rollback(&v).ok());
  EXPECT_EQ(v, "0003");
  ASSERT_TRUE(r->Rollback(&v).ok());
  EXPECT_EQ(v, "0001");
  EXPECT_EQ(ProductionOf(*r), "0001");
  Status s = r->Rollback(&v);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_EQ(ProductionOf(*r), "0001");

  // State lives on disk: a second handle sees the same production version.
  EXPECT_EQ(ProductionOf(*OpenAt(tmp / "reg")), "0001");
}

TEST(RegistryTest, RollbackWithoutHistoryFails) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string v;
  EXPECT_EQ(r->Rollback(&v).code(), Status::Code::kNotFound);
  ASSERT_TRUE(r->Register(Model(0.1), &v).ok());
  Status s = r->Rollback(&v);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("roll back"), std::string::npos) << s.message();
}

TEST(RegistryTest, ListFindsNdcgWhereverMetricsKeepIt) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string v;
  for (const nlohmann::json& metrics : {nlohmann::json{{"test", {{"ndcg@10", 0.3}}}},
                                        nlohmann::json{{"ndcg@10", 0.4}}, nlohmann::json{{"test", 3}}}) {
    Artefact a = Model(0);
    a.metrics = metrics;
    ASSERT_TRUE(r->Register(a, &v).ok());
  }
  std::vector<VersionInfo> list;
  ASSERT_TRUE(r->List(&list).ok());
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].ndcg_at_10, 0.3);
  EXPECT_EQ(list[1].ndcg_at_10, 0.4);
  EXPECT_FALSE(list[2].ndcg_at_10.has_value());
}

TEST(RegistryTest, EmptyRegistryHasNoProduction) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string dir;
  EXPECT_EQ(r->ProductionDir(&dir).code(), Status::Code::kNotFound);
  std::vector<VersionInfo> list;
  ASSERT_TRUE(r->List(&list).ok());
  EXPECT_TRUE(list.empty());
}

TEST(RegistryTest, PromoteRejectsUnknownAndMalformedVersions) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string v;
  ASSERT_TRUE(r->Register(Model(0.1), &v).ok());
  EXPECT_EQ(r->Promote("7").code(), Status::Code::kNotFound);
  EXPECT_EQ(r->Promote("abc").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r->Promote("0").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ProductionOf(*r), "0001");
}

TEST(RegistryTest, PromoteRefusesDamagedVersion) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string v;
  ASSERT_TRUE(r->Register(Model(0.1), &v).ok());
  ASSERT_TRUE(r->Register(Model(0.2), &v).ok());
  std::ofstream(tmp / "reg/versions/0002/config.json") << "{\"hidden\": 5}";
  Status s = r->Promote("2");
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("config.json"), std::string::npos) << s.message();
  EXPECT_EQ(ProductionOf(*r), "0001");

  std::vector<VersionInfo> list;
  ASSERT_TRUE(r->List(&list).ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[1].status.ok());  // the listing verifies metrics.json only
  fs::remove(tmp / "reg/versions/0002/metrics.json");
  ASSERT_TRUE(r->List(&list).ok());
  EXPECT_FALSE(list[1].status.ok());
}

TEST(RegistryTest, LoadByVersion) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  std::string v;
  ASSERT_TRUE(r->Register(Model(0.5), &v).ok());
  Artefact a;
  ASSERT_TRUE(r->Load("1", &a).ok());
  EXPECT_EQ(a.metrics["test"]["full"]["ndcg@10"], 0.5);
  EXPECT_EQ(r->Load("2", &a).code(), Status::Code::kNotFound);
}

TEST(RegistryTest, OpenWithoutCreateNeedsExistingRegistry) {
  TempDir tmp;
  std::unique_ptr<ModelRegistry> r;
  EXPECT_EQ(ModelRegistry::Open(tmp / "none", &r, false).code(), Status::Code::kNotFound);
  EXPECT_FALSE(fs::exists(tmp / "none"));
}

TEST(RegistryTest, LeftoverTemporaryFoldersAreIgnored) {
  TempDir tmp;
  auto r = OpenAt(tmp / "reg");
  fs::create_directories(tmp / "reg/versions/0005.tmp-abcdef");
  std::string v;
  ASSERT_TRUE(r->Register(Model(0.1), &v).ok());
  EXPECT_EQ(v, "0001");
  std::vector<VersionInfo> list;
  ASSERT_TRUE(r->List(&list).ok());
  EXPECT_EQ(list.size(), 1u);
}

TEST(RegistryTest, ConcurrentRegistersGetDistinctVersions) {
  TempDir tmp;
  constexpr int kPerThread = 4;
  std::vector<std::string> versions[2];
  auto work = [&](int t) {
    std::unique_ptr<ModelRegistry> r;  // a handle per thread, as two processes would have
    ASSERT_TRUE(ModelRegistry::Open(tmp / "reg", &r).ok());
    for (int i = 0; i < kPerThread; ++i) {
      std::string v;
      Status s = r->Register(Model(t + i / 10.0), &v);
      ASSERT_TRUE(s.ok()) << s.ToString();
      versions[t].push_back(v);
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();

  std::set<std::string> all(versions[0].begin(), versions[0].end());
  all.insert(versions[1].begin(), versions[1].end());
  EXPECT_EQ(all.size(), 2u * kPerThread);
  auto r = OpenAt(tmp / "reg");
  std::vector<VersionInfo> list;
  ASSERT_TRUE(r->List(&list).ok());
  ASSERT_EQ(list.size(), 2u * kPerThread);
  int production = 0;
  for (const VersionInfo& info : list) {
    EXPECT_TRUE(info.status.ok()) << info.version << ": " << info.status.ToString();
    production += info.production;
  }
  EXPECT_EQ(production, 1);
  EXPECT_EQ(ProductionOf(*r), "0001");
}

}  // namespace
}  // namespace nba
