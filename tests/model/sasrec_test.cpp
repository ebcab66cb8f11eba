// SASRec in libtorch: the causal property serving relies on, weight export
// and import, and the trainer's contracts (losses, determinism, resume).
#include "model/sasrec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "data/synthetic.h"
#include "eval/evaluator.h"
#include "eval/popularity.h"
#include "model/torch_scorer.h"
#include "model/trainer.h"

namespace nba {
namespace {

ModelConfig SmallConfig(int64_t num_items) {
  ModelConfig c;
  c.num_items = num_items;
  c.max_len = 20;
  c.hidden = 16;
  c.ffn_dim = 16;
  c.heads = 2;
  c.dropout = 0.1;
  return c;
}

TEST(SasRecTest, EarlierPositionsIgnoreLaterEvents) {
  for (const char* layout : {"pre_ln", "original"}) {
    torch::manual_seed(1);
    ModelConfig c = SmallConfig(30);
    c.layout = layout;
    SasRec model(c);
    model->eval();
    torch::NoGradGuard no_grad;
    auto items = torch::randint(1, 31, {2, 10}, torch::kLong);
    auto types = torch::randint(1, 5, {2, 10}, torch::kLong);
    auto before = model->Encode(items, types);
    items.index_put_({torch::indexing::Slice(), 9}, 7);
    types.index_put_({torch::indexing::Slice(), 9}, 4);
    auto after = model->Encode(items, types);
    auto prefix = torch::indexing::Slice(0, 9);
    EXPECT_TRUE(torch::allclose(before.index({torch::indexing::Slice(), prefix}),
                                after.index({torch::indexing::Slice(), prefix})))
        << layout;
    EXPECT_FALSE(torch::allclose(before.index({torch::indexing::Slice(), 9}),
                                 after.index({torch::indexing::Slice(), 9})))
        << layout;
  }
}

TEST(SasRecTest, EncodeLastPicksEachRowsLastRealEvent) {
  torch::manual_seed(2);
  SasRec model(SmallConfig(30));
  model->eval();
  torch::NoGradGuard no_grad;
  auto items = torch::tensor({{3, 4, 5, 0}, {6, 7, 8, 9}}, torch::kLong);
  auto types = torch::ones_like(items);
  auto last = model->EncodeLast(items, types, torch::tensor({3, 4}, torch::kLong));
  auto full = model->Encode(items, types);
  EXPECT_TRUE(torch::allclose(last[0], full[0][2]));
  EXPECT_TRUE(torch::allclose(last[1], full[1][3]));
  EXPECT_EQ(model->ScoreAll(last).sizes(), (std::vector<int64_t>{2, 31}));
}

// Padding a row (to batch it with longer rows) must not change its states,
// in either position convention.
TEST(SasRecTest, PaddingDoesNotChangeARowsLastState) {
  for (const char* positions : {"from_start", "from_end"}) {
    torch::manual_seed(8);
    ModelConfig c = SmallConfig(30);
    c.positions = positions;
    SasRec model(c);
    model->eval();
    torch::NoGradGuard no_grad;
    auto alone = model->EncodeLast(torch::tensor({{3, 4, 5}}, torch::kLong), torch::ones({1, 3}, torch::kLong),
                                   torch::tensor({3}, torch::kLong));
    auto padded = model->EncodeLast(torch::tensor({{3, 4, 5, 0, 0}}, torch::kLong), torch::ones({1, 5}, torch::kLong),
                                    torch::tensor({3}, torch::kLong));
    EXPECT_TRUE(torch::allclose(alone, padded, 1e-5, 1e-6)) << positions;
  }
}

TEST(SasRecTest, WeightsRoundTripAndMismatchesAreNamed) {
  torch::manual_seed(3);
  SasRec a(SmallConfig(30));
  TensorMap weights = a->ExportWeights();
  EXPECT_TRUE(weights.count("blocks.1.ffn2.weight"));
  EXPECT_TRUE(weights.count("type_emb.weight"));
  torch::manual_seed(4);
  SasRec b(SmallConfig(30));
  ASSERT_TRUE(b->ImportWeights(weights).ok());
  EXPECT_TRUE(torch::equal(a->item_emb->weight, b->item_emb->weight));

  TensorMap missing = weights;
  missing.erase("final_ln.bias");
  Status s = b->ImportWeights(missing);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("final_ln.bias"), std::string::npos);

  SasRec wider(SmallConfig(40));
  s = wider->ImportWeights(weights);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("item_emb.weight"), std::string::npos);
}

TEST(SasRecTest, InitLinearNormalDrawsSmallWeightsAndZeroBiasesAndKeepsEmbeddings) {
  ModelConfig c = SmallConfig(500);
  c.hidden = 64;
  c.ffn_dim = 128;
  torch::manual_seed(3);
  SasRec model(c);
  const auto item_emb = model->item_emb->weight.clone();
  model->InitLinearNormal(0.02);
  int64_t linears = 0;
  for (const auto& p : model->named_parameters()) {
    const bool is_linear = p.key().find("ln") == std::string::npos && p.key().find("emb") == std::string::npos;
    if (!is_linear) continue;
    ++linears;
    if (p.key().ends_with(".bias")) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << p.key();
    } else {
      const double sd = p.value().std().item<double>();
      EXPECT_NEAR(sd, 0.02, 0.003) << p.key();
    }
  }
  EXPECT_EQ(linears, 2 * 12);  // q, k, v, o, ffn1, ffn2: weight and bias, per block
  EXPECT_TRUE(torch::equal(item_emb, model->item_emb->weight));
}

TEST(SasRecTest, InitQkvXavierDrawsLikeTorchMultiheadAttention) {
  ModelConfig c = SmallConfig(500);
  c.hidden = 64;
  torch::manual_seed(3);
  SasRec model(c);
  model->InitLinearNormal(0.02);
  model->InitQkvXavier();
  // Uniform over +-sqrt(6 / (d + 3d)): std sqrt(1 / (2d)) = 0.0884 for d = 64.
  const double want_sd = std::sqrt(1.0 / (2.0 * 64));
  for (const auto& block : *model->blocks) {
    auto* b = block->as<SasRecBlockImpl>();
    for (const auto& linear : {b->q, b->k, b->v}) {
      EXPECT_NEAR(linear->weight.std().item<double>(), want_sd, 0.005);
      EXPECT_LE(linear->weight.abs().max().item<double>(), std::sqrt(6.0 / 256) + 1e-6);
      EXPECT_EQ(linear->bias.abs().max().item<float>(), 0.0f);
    }
    EXPECT_NEAR(b->o->weight.std().item<double>(), 0.02, 0.003);
  }
}

// A one-event sequence attends only to itself, so with one head, dropout on
// the attention weight scales the whole attention output by 0 or 1 / (1 - p);
// dropout on the output projection zeroes single elements. The FFN is zeroed.
TEST(SasRecTest, AttentionOutputDropoutCanBeTurnedOff) {
  for (bool output_dropout : {false, true}) {
    ModelConfig c = SmallConfig(10);
    c.heads = 1;  // each head's weight is dropped on its own
    c.dropout = 0.5;
    c.attn_output_dropout = output_dropout;
    torch::manual_seed(4);
    SasRecBlock block(c);
    {
      torch::NoGradGuard no_grad;
      block->ffn2->weight.zero_();
      block->ffn2->bias.zero_();
      block->o->bias.zero_();
    }
    const auto x = torch::randn({1, 1, c.hidden});
    const auto mask = torch::zeros({1, 1});
    block->eval();
    const auto full = block->forward(x, mask) - x;
    block->train();
    bool every_pass_whole = true;
    for (int pass = 0; pass < 50; ++pass) {
      const auto attn = block->forward(x, mask) - x;
      const bool whole = torch::allclose(attn, torch::zeros_like(attn), 0, 1e-6) ||
                         torch::allclose(attn, 2 * full, 1e-4, 1e-5);
      every_pass_whole = every_pass_whole && whole;
    }
    EXPECT_EQ(every_pass_whole, !output_dropout);
  }
}

TEST(ModelConfigTest, AttnOutputDropoutRoundTripsAndDefaultsOnForOldArtefacts) {
  ModelConfig c = SmallConfig(10);
  c.attn_output_dropout = false;
  ModelConfig back;
  ASSERT_TRUE(ModelConfig::FromJson(c.ToJson(), &back).ok());
  EXPECT_FALSE(back.attn_output_dropout);
  auto old = c.ToJson();
  old.erase("attn_output_dropout");
  ASSERT_TRUE(ModelConfig::FromJson(old, &back).ok());
  EXPECT_TRUE(back.attn_output_dropout);
}

// Cosine similarity: every score is a cosine, and an item's score does not
// depend on its embedding's norm (with dot product it scales with it).
TEST(SasRecTest, CosineScoresIgnoreEmbeddingNorms) {
  for (const char* similarity : {"dot", "cosine"}) {
    ModelConfig c = SmallConfig(10);
    c.similarity = similarity;
    torch::manual_seed(4);
    SasRec model(c);
    model->eval();
    torch::NoGradGuard no_grad;
    auto items = torch::tensor({{1, 2, 3}}, torch::kLong), types = torch::ones({1, 3}, torch::kLong);
    auto hidden = model->EncodeLast(items, types, torch::tensor({3}, torch::kLong));
    auto before = model->ScoreAll(hidden);
    model->item_emb->weight[7].mul_(4.0);  // item 7 is not in the history
    auto after = model->ScoreAll(hidden);
    const double item7 = after[0][7].item<double>() / before[0][7].item<double>();
    if (c.similarity == "cosine") {
      EXPECT_LE(after.abs().max().item<double>(), 1.0 + 1e-5);
      EXPECT_NEAR(item7, 1.0, 1e-5);
    } else {
      EXPECT_NEAR(item7, 4.0, 1e-4);
    }
  }
}

TEST(ModelConfigTest, SimilarityRoundTripsAndDefaultsToDotForOldArtefacts) {
  ModelConfig c = SmallConfig(10);
  c.similarity = "cosine";
  ModelConfig back;
  ASSERT_TRUE(ModelConfig::FromJson(c.ToJson(), &back).ok());
  EXPECT_EQ(back.similarity, "cosine");
  auto old = c.ToJson();
  old.erase("similarity");
  ASSERT_TRUE(ModelConfig::FromJson(old, &back).ok());
  EXPECT_EQ(back.similarity, "dot");
  c.similarity = "euclidean";
  EXPECT_NE(c.Validate().message().find("similarity"), std::string::npos);
}

TEST(ModelConfigTest, RejectsBadFieldsByName) {
  ModelConfig c = SmallConfig(10);
  c.heads = 3;  // does not divide hidden 16
  EXPECT_NE(c.Validate().message().find("heads"), std::string::npos);
  c = SmallConfig(10);
  c.layout = "post_ln";
  EXPECT_NE(c.Validate().message().find("layout"), std::string::npos);
  ModelConfig back;
  ASSERT_TRUE(ModelConfig::FromJson(SmallConfig(10).ToJson(), &back).ok());
  EXPECT_EQ(back.ToJson(), SmallConfig(10).ToJson());
  EXPECT_FALSE(ModelConfig::FromJson({{"architecture", "gru4rec"}}, &back).ok());
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ShopOptions opts;
    opts.users = 600;
    opts.items = 120;
    ASSERT_TRUE(GenerateShop(opts, &shop_).ok());
    split_ = LeaveOneOut(shop_.events);
  }

  TrainConfig QuickConfig(const std::string& loss, int64_t epochs) const {
    TrainConfig t;
    t.loss = loss;
    t.negatives = 32;
    t.epochs = epochs;
    t.batch_size = 64;
    t.lr = 3e-3;
    t.patience = 100;
    return t;
  }

  double TestNdcg10(Scorer& scorer) const {
    EvalResult r;
    EXPECT_TRUE(Evaluate(scorer, split_.test, EvalOptions{}, &r).ok());
    return r.full.Ndcg(10);
  }

  SyntheticShop shop_;
  Split split_;
};

TEST_F(TrainerTest, TrainedModelBeatsPopularityClearly) {
  torch::manual_seed(5);
  SasRec model(SmallConfig(shop_.events.num_items()));
  TrainResult result;
  ASSERT_TRUE(Train(split_, QuickConfig("ce", 8), model, nullptr, &result).ok());
  TorchScorer scorer(model);
  std::unique_ptr<PopularityScorer> popularity;
  ASSERT_TRUE(PopularityScorer::Build(shop_.events.num_items(), split_.train, &popularity).ok());
  const double model_ndcg = TestNdcg10(scorer), pop_ndcg = TestNdcg10(*popularity);
  EXPECT_GT(model_ndcg, 3 * pop_ndcg) << "model " << model_ndcg << " popularity " << pop_ndcg;
  EXPECT_GT(model_ndcg, pop_ndcg + 0.2);
  EXPECT_GE(result.best_epoch, 1);
  EXPECT_GT(result.best_valid_ndcg10, 0);
}

TEST_F(TrainerTest, EveryLossLearns) {
  for (const char* loss : {"ce", "bce", "sampled_softmax"}) {
    torch::manual_seed(6);
    SasRec model(SmallConfig(shop_.events.num_items()));
    std::vector<double> losses;
    TrainResult result;
    ASSERT_TRUE(Train(split_, QuickConfig(loss, 3), model,
                      [&](const EpochLog& log) { losses.push_back(log.loss); }, &result)
                    .ok());
    ASSERT_EQ(losses.size(), 3u);
    EXPECT_LT(losses.back(), losses.front()) << loss;
  }
}

// The reference recipe's options (random batches, N(0, 0.02) linear layers
// with Xavier q, k, v, no dropout on the attention output, Adam beta2 0.999)
// learn too, and the batching and the init each change the path taken.
TEST_F(TrainerTest, ReferenceRecipeLearnsAndItsBatchingAndInitMatter) {
  ModelConfig model_config = SmallConfig(shop_.events.num_items());
  model_config.layout = "original";
  model_config.attn_output_dropout = false;
  TrainConfig config = QuickConfig("ce", 8);
  config.batching = "random";
  config.init = "normal_xavier_qkv";
  config.adam_beta2 = 0.999;
  auto train = [&](const TrainConfig& c) {
    torch::manual_seed(5);
    SasRec model(model_config);
    TrainResult result;
    EXPECT_TRUE(Train(split_, c, model, nullptr, &result).ok());
    return model;
  };
  SasRec model = train(config);
  TorchScorer scorer(model);
  std::unique_ptr<PopularityScorer> popularity;
  ASSERT_TRUE(PopularityScorer::Build(shop_.events.num_items(), split_.train, &popularity).ok());
  EXPECT_GT(TestNdcg10(scorer), TestNdcg10(*popularity) + 0.2);

  config.epochs = 1;
  SasRec one_epoch = train(config);
  TrainConfig by_length = config;
  by_length.batching = "by_length";
  EXPECT_FALSE(torch::equal(one_epoch->item_emb->weight, train(by_length)->item_emb->weight));
  TrainConfig normal = config;
  normal.init = "normal";
  auto q_weight = [](SasRec m) { return m->blocks[0]->as<SasRecBlockImpl>()->q->weight; };
  EXPECT_GT(q_weight(one_epoch).std().item<double>(), 2 * q_weight(train(normal)).std().item<double>());
}

// Cosine similarity with a sharp temperature (HSTU's SASRec baseline)
// learns. At temperature 1 the logits of unit vectors lie in [-1, 1], so the
// cross-entropy can never drop below log(1 + (I - 1)·e^-2); at 0.05 it must.
TEST_F(TrainerTest, CosineSimilarityLearnsAndTheTemperatureScalesItsLogits) {
  ModelConfig model_config = SmallConfig(shop_.events.num_items());
  model_config.similarity = "cosine";
  std::unique_ptr<PopularityScorer> popularity;
  ASSERT_TRUE(PopularityScorer::Build(shop_.events.num_items(), split_.train, &popularity).ok());
  const double floor_at_1 = std::log(1 + (shop_.events.num_items() - 1) * std::exp(-2.0));
  for (double temperature : {0.05, 1.0}) {
    torch::manual_seed(5);
    SasRec model(model_config);
    TrainConfig config = QuickConfig("ce", 8);
    config.temperature = temperature;
    double last_loss = 0;
    TrainResult result;
    ASSERT_TRUE(Train(split_, config, model, [&](const EpochLog& log) { last_loss = log.loss; }, &result).ok());
    if (temperature == 1.0) {
      EXPECT_GE(last_loss, floor_at_1);
      continue;
    }
    EXPECT_LT(last_loss, floor_at_1);
    TorchScorer scorer(model);
    EXPECT_GT(TestNdcg10(scorer), TestNdcg10(*popularity) + 0.2);
  }
}

TEST_F(TrainerTest, ResumedRunEqualsUnbrokenRun) {
  const auto dir = std::filesystem::temp_directory_path() / ("nba-ckpt-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  TrainResult result;

  torch::manual_seed(7);
  SasRec unbroken(SmallConfig(shop_.events.num_items()));
  ASSERT_TRUE(Train(split_, QuickConfig("ce", 4), unbroken, nullptr, &result).ok());

  torch::manual_seed(7);
  SasRec first(SmallConfig(shop_.events.num_items()));
  TrainConfig part = QuickConfig("ce", 2);
  part.checkpoint_dir = dir.string();
  ASSERT_TRUE(Train(split_, part, first, nullptr, &result).ok());
  SasRec resumed(SmallConfig(shop_.events.num_items()));
  TrainConfig rest = QuickConfig("ce", 4);
  rest.checkpoint_dir = dir.string();
  rest.resume = true;
  ASSERT_TRUE(Train(split_, rest, resumed, nullptr, &result).ok());
  EXPECT_EQ(result.epochs_run, 4);

  TensorMap a = unbroken->ExportWeights(), b = resumed->ExportWeights();
  for (const auto& [name, tensor] : a) EXPECT_EQ(tensor.data, b.at(name).data) << name;
  std::filesystem::remove_all(dir);
}

// A final fit: exactly `epochs` epochs, no validation cases needed, and the
// model keeps its last weights rather than the (never measured) best ones.
TEST_F(TrainerTest, FitWithoutEarlyStoppingRunsTheGivenEpochsAndKeepsTheLastWeights) {
  Split no_valid = split_;
  no_valid.valid.clear();
  TrainConfig config = QuickConfig("ce", 3);
  config.early_stopping = false;
  torch::manual_seed(9);
  SasRec model(SmallConfig(shop_.events.num_items()));
  int64_t logged = 0;
  TrainResult result;
  ASSERT_TRUE(Train(no_valid, config, model, [&](const EpochLog& log) { logged += !log.evaluated; }, &result).ok());
  EXPECT_EQ(result.epochs_run, 3);
  EXPECT_EQ(result.best_epoch, 3);
  EXPECT_EQ(logged, 3);
  TorchScorer scorer(model);
  std::unique_ptr<PopularityScorer> popularity;
  ASSERT_TRUE(PopularityScorer::Build(shop_.events.num_items(), split_.train, &popularity).ok());
  EXPECT_GT(TestNdcg10(scorer), TestNdcg10(*popularity));

  config.checkpoint_dir = "/tmp/nba-unused-checkpoint";
  Status s = Train(no_valid, config, model, nullptr, &result);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("checkpoint"), std::string::npos) << s.message();
  config.checkpoint_dir.clear();
  config.early_stopping = true;
  s = Train(no_valid, config, model, nullptr, &result);
  EXPECT_NE(s.message().find("validation"), std::string::npos) << s.message();
}

// Without a CUDA libtorch and a GPU (CI, this project's default build)
// asking for one is a clear error; with them the model trains there, is
// scored there and exports its weights to the CPU for the artefact.
TEST_F(TrainerTest, CudaTrainingIsAClearErrorWithoutAGpuAndLearnsWithOne) {
  torch::manual_seed(5);
  SasRec model(SmallConfig(shop_.events.num_items()));
  TrainConfig config = QuickConfig("ce", 8);
  config.device = "cuda";
  TrainResult result;
  Status s = Train(split_, config, model, nullptr, &result);
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find("device cuda is not available"), std::string::npos) << s.message();
    return;
  }
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(model->item_emb->weight.device().is_cuda());
  SasRec copy(SmallConfig(shop_.events.num_items()));
  ASSERT_TRUE(copy->ImportWeights(model->ExportWeights()).ok());
  EXPECT_TRUE(torch::allclose(copy->item_emb->weight, model->item_emb->weight.cpu()));
  TorchScorer scorer(model);
  std::unique_ptr<PopularityScorer> popularity;
  ASSERT_TRUE(PopularityScorer::Build(shop_.events.num_items(), split_.train, &popularity).ok());
  EXPECT_GT(TestNdcg10(scorer), TestNdcg10(*popularity) + 0.2);
}

TEST_F(TrainerTest, BadConfigAndMissingCheckpointAreErrors) {
  SasRec model(SmallConfig(shop_.events.num_items()));
  TrainResult result;
  Status s = Train(split_, QuickConfig("hinge", 1), model, nullptr, &result);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("hinge"), std::string::npos);
  for (auto [field, set] : std::vector<std::pair<std::string, std::function<void(TrainConfig&)>>>{
           {"sgd", [](TrainConfig& t) { t.optimizer = "sgd"; }},
           {"sorted", [](TrainConfig& t) { t.batching = "sorted"; }},
           {"xavier", [](TrainConfig& t) { t.init = "xavier"; }},
           {"adam_beta2", [](TrainConfig& t) { t.adam_beta2 = 1.0; }},
           {"temperature", [](TrainConfig& t) { t.temperature = 0; }},
           {"tpu", [](TrainConfig& t) { t.device = "tpu"; }}}) {
    TrainConfig bad = QuickConfig("ce", 1);
    set(bad);
    s = Train(split_, bad, model, nullptr, &result);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << field;
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  }
  TrainConfig resume = QuickConfig("ce", 1);
  resume.resume = true;
  resume.checkpoint_dir = "/nonexistent/nba-checkpoint";
  s = Train(split_, resume, model, nullptr, &result);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("state.json"), std::string::npos);
}

}  // namespace
}  // namespace nba
