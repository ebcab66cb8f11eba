#include "registry/artefact.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "registry/sha256.h"
#include "temp_dir.h"

namespace nba {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

Artefact Sample() {
  Artefact a;
  a.config = {{"architecture", "sasrec"}, {"hidden", 8}};
  a.weights = {{"item_emb", Tensor{{3, 2}, {1, 2, 3, 4, 5, 6}}}, {"bias", Tensor{{2}, {0.5f, -0.5f}}}};
  a.items.Intern("sku-1");
  a.items.Intern("sku-2");
  a.metrics = {{"ndcg@10", 0.25}};
  Dataset d;
  d.users.Intern("u1");
  d.items = a.items;
  d.sequences = {{{1, EventType::kView, 10}, {2, EventType::kPurchase, 20}}};
  a.data = DataFingerprint(Sha256Hex("train.csv contents"), d);
  return a;
}

TEST(ArtefactTest, SaveLoadRoundTrip) {
  TempDir tmp;
  const std::string dir = tmp / "models/m1";
  Status s = SaveArtefact(dir, Sample());
  ASSERT_TRUE(s.ok()) << s.ToString();
  Artefact got;
  s = LoadArtefact(dir, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const Artefact want = Sample();
  EXPECT_EQ(got.config, want.config);
  EXPECT_EQ(got.metrics, want.metrics);
  EXPECT_EQ(got.data, want.data);
  ASSERT_EQ(got.weights.size(), 2u);
  EXPECT_EQ(got.weights["item_emb"].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(got.weights["item_emb"].data, want.weights.at("item_emb").data);
  ASSERT_EQ(got.items.size(), 2u);
  EXPECT_EQ(got.items.first_id(), 1u);
  EXPECT_EQ(got.items.External(2), "sku-2");
  // Only the finished directory is visible: no temporary left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp / "models"), {}), 1);
}

TEST(ArtefactTest, DataFingerprintHasHashAndCounts) {
  const nlohmann::json d = Sample().data;
  EXPECT_EQ(d["sha256"], Sha256Hex("train.csv contents"));
  EXPECT_EQ(d["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(d["users"], 1);
  EXPECT_EQ(d["items"], 2);
  EXPECT_EQ(d["events"], 2);
}

TEST(ArtefactTest, NeverOverwritesAnExistingDirectory) {
  TempDir tmp;
  const std::string dir = tmp / "m";
  ASSERT_TRUE(SaveArtefact(dir, Sample()).ok());
  Status s = SaveArtefact(dir, Sample());
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("already exists"), std::string::npos);
}

TEST(ArtefactTest, FailedSaveLeavesNothing) {
  TempDir tmp;
  Artefact a = Sample();
  a.weights["bad"] = Tensor{{4}, {1}};  // data does not match the shape
  Status s = SaveArtefact(tmp / "m", a);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST(ArtefactTest, MissingFileIsNamed) {
  TempDir tmp;
  const std::string dir = tmp / "m";
  ASSERT_TRUE(SaveArtefact(dir, Sample()).ok());
  fs::remove(dir + "/items.txt");
  Artefact got;
  Status s = LoadArtefact(dir, &got);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("items.txt"), std::string::npos) << s.message();
}

TEST(ArtefactTest, MissingManifestIsNamed) {
  TempDir tmp;
  const std::string dir = tmp / "m";
  ASSERT_TRUE(SaveArtefact(dir, Sample()).ok());
  fs::remove(dir + "/manifest.json");
  Artefact got;
  Status s = LoadArtefact(dir, &got);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("manifest.json"), std::string::npos) << s.message();
}

TEST(ArtefactTest, ChangedFileIsCaughtByManifest) {
  TempDir tmp;
  const std::string dir = tmp / "m";
  ASSERT_TRUE(SaveArtefact(dir, Sample()).ok());
  // Flip one byte of weight data: still a well-formed safetensors file.
  const std::string weights = dir + "/weights.safetensors";
  std::fstream f(weights, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-1, std::ios::end);
  f.put('\x7f');
  f.close();
  Artefact got;
  Status s = LoadArtefact(dir, &got);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("weights.safetensors"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("sha256"), std::string::npos) << s.message();
}

TEST(ArtefactTest, CorruptManifestIsNamed) {
  TempDir tmp;
  const std::string dir = tmp / "m";
  ASSERT_TRUE(SaveArtefact(dir, Sample()).ok());
  std::ofstream(dir + "/manifest.json") << "{\"files\": 3}";
  Artefact got;
  Status s = LoadArtefact(dir, &got);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("manifest.json"), std::string::npos) << s.message();
}

TEST(ArtefactTest, SummaryReadsCreatedAndMetrics) {
  TempDir tmp;
  const std::string dir = tmp / "m";
  ASSERT_TRUE(SaveArtefact(dir, Sample()).ok());
  ArtefactSummary summary;
  ASSERT_TRUE(ReadArtefactSummary(dir, &summary).ok());
  EXPECT_EQ(summary.created.size(), 20u);  // 2025-01-01T00:00:00Z
  EXPECT_EQ(summary.created.back(), 'Z');
  EXPECT_EQ(summary.metrics["ndcg@10"], 0.25);
}

}  // namespace
}  // namespace nba
