// The `nba` binary's exit codes and messages for its everyday mistakes: a
// failing command ends with a non-zero code and one line saying what and why.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "nba_process.h"

namespace nba::testing {
namespace {

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// A small synthetic shop in dir/shop; returns its events file.
std::string SmallShop(const TempDir& dir) {
  NbaResult shop = RunNba({"generate", "--out", dir.File("shop"), "--users", "60", "--items", "30", "--seed", "5"});
  EXPECT_EQ(shop.exit_code, 0) << shop.err;
  return dir.File("shop/events.tsv");
}

// Usage errors are CLI11's: its message, then a hint to run --help.
TEST(CliTest, NoSubcommandFailsWithAMessage) {
  NbaResult r = RunNba({});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(FirstLine(r.err).find("subcommand"), std::string::npos) << r.err;
}

TEST(CliTest, UnknownFlagFailsNamingIt) {
  NbaResult r = RunNba({"import", "--input", "events.tsv", "--frobnicate"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(FirstLine(r.err).find("--frobnicate"), std::string::npos) << r.err;
}

TEST(CliTest, ImportOfAMissingFileFailsWithOneLineNamingIt) {
  TempDir dir;
  const std::string missing = dir.File("no-such-events.tsv");
  NbaResult r = RunNba({"import", "--input", missing});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

TEST(CliTest, ImportOfASmallTsvPrintsTheReport) {
  TempDir dir;
  const std::string tsv = dir.Write("events.tsv",
                                    "user_id\titem_id\tts\tevent\n"
                                    "u1\ta\t1\tview\n"
                                    "u1\tb\t2\tpurchase\n"
                                    "u2\ta\t3\tview\n"
                                    "u2\tc\t4\tclick\n");
  NbaResult r = RunNba({"import", "--input", tsv, "--out", dir.File("out.tsv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("users"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("items"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrote " + dir.File("out.tsv")), std::string::npos) << r.out;
  EXPECT_NE(dir.Read("out.tsv").find("user_id\titem_id\tts\tevent"), std::string::npos);
}

// A seed fixes everything random in training: initial weights, batch order,
// dropout and negatives. A different seed must give different weights.
TEST(CliTest, TrainingTwiceWithOneSeedGivesTheSameWeights) {
  TempDir dir;
  const std::string events = SmallShop(dir);
  auto train = [&](const std::string& seed, const std::string& out) {
    NbaResult r = RunNba({"train", "--data", events, "--epochs", "2", "--hidden", "16",
                          "--max-len", "10", "--seed", seed, "--no-register", "--quiet", "--out", dir.File(out)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir.Read(out + "/weights.safetensors");
  };
  const std::string first = train("3", "first"), again = train("3", "again"), other = train("4", "other");
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(first == again) << "same seed, different weights";
  EXPECT_FALSE(first == other) << "different seeds, same weights";
}

TEST(CliTest, RefitTrainsAFreshModelForTheBestEpochCount) {
  TempDir dir;
  NbaResult r = RunNba({"train", "--data", SmallShop(dir), "--epochs", "3", "--hidden", "16",
                        "--max-len", "10", "--refit", "--no-register", "--quiet", "--metrics-json",
                        dir.File("metrics.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("refit: a fresh model on training + validation events"), std::string::npos) << r.err;
  auto metrics = nlohmann::json::parse(dir.Read("metrics.json"));
  const auto& train = metrics.at("metrics").at("train");
  EXPECT_EQ(train.at("refit").at("epochs"), train.at("best_epoch"));
  EXPECT_EQ(train.at("config").at("refit"), true);
  EXPECT_TRUE(train.at("refit").at("test_before").contains("full")) << train.dump();
  EXPECT_NE(r.out.find("early-stopped model, before the refit"), std::string::npos) << r.out;
}

// The similarity is part of the model (serving must score the same way), the
// temperature part of the training run; a bad similarity is one line.
TEST(CliTest, CosineTrainingRecordsItsSimilarityAndTemperature) {
  TempDir dir;
  const std::string events = SmallShop(dir);
  NbaResult r = RunNba({"train", "--data", events, "--epochs", "1", "--hidden", "16", "--max-len", "10",
                        "--similarity", "cosine", "--temperature", "0.05", "--no-register", "--quiet", "--out",
                        dir.File("model"), "--metrics-json", dir.File("metrics.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(dir.Read("model/config.json")).at("similarity"), "cosine");
  auto metrics = nlohmann::json::parse(dir.Read("metrics.json"));
  EXPECT_EQ(metrics.at("metrics").at("train").at("config").at("temperature"), 0.05) << metrics.dump();

  r = RunNba({"train", "--data", events, "--similarity", "euclidean", "--no-register", "--quiet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("similarity"), std::string::npos) << r.err;
}

// A bad training option fails in one line before the data is read; a GPU
// asked of a build without CUDA (this project's Debian libtorch) likewise.
TEST(CliTest, TrainWithABadOrMissingDeviceFailsInOneLine) {
  TempDir dir;
  const std::string events = SmallShop(dir);
  NbaResult r = RunNba({"train", "--data", events, "--device", "tpu", "--no-register", "--quiet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("device must be cpu or cuda, not tpu"), std::string::npos) << r.err;
  r = RunNba({"train", "--data", events, "--device", "cuda", "--epochs", "1", "--no-register", "--quiet"});
  if (r.exit_code == 0) GTEST_SKIP() << "this build trains on a GPU";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("device cuda is not available"), std::string::npos) << r.err;
}

TEST(CliTest, ServeWithAnUnknownConfigKeyFailsNamingTheKey) {
  TempDir dir;
  const std::string config = dir.Write("nba.yaml", "server:\n  prot: 8080\n");
  NbaResult r = RunNba({"serve", "--config", config});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("server.prot"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nba.yaml:2"), std::string::npos) << "the line of the key: " << r.err;
}

TEST(CliTest, ServeWithAnOutOfRangeValueFailsNamingTheKey) {
  TempDir dir;
  const std::string config = dir.Write("nba.yaml", "server:\n  port: 99999\n");
  NbaResult r = RunNba({"serve", "--config", config});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("server.port"), std::string::npos) << r.err;
}

TEST(CliTest, DistributedServeWithoutKafkaFailsNamingTheKey) {
  NbaResult r = RunNba({"serve", "--mode", "distributed"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("kafka.brokers"), std::string::npos) << r.err;

  r = RunNba({"serve", "--mode", "clustered"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("mode"), std::string::npos) << r.err;
}

TEST(CliTest, ConsumeWithoutKafkaOrWithABadRedisAddressFailsWithOneLine) {
  NbaResult r = RunNba({"consume"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("kafka.brokers"), std::string::npos) << r.err;

  r = RunNba({"consume", "--kafka", "127.0.0.1:9", "--redis", "no-port-here"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("redis.address"), std::string::npos) << r.err;
}

TEST(CliTest, DatasetBuildOfAMissingLakeFailsWithOneLine) {
  NbaResult r = RunNba({"dataset", "build", "--lake", "/nonexistent/lake", "--out", "x.tsv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/lake"), std::string::npos) << r.err;
}

TEST(CliTest, ModelsListOfAMissingRegistryFailsWithOneLine) {
  NbaResult r = RunNba({"models", "list", "--registry", "/nonexistent/registry"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(CountLines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/registry"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nba::testing
