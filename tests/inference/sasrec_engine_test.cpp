#include "inference/sasrec_engine.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "data/synthetic.h"
#include "inference/engine_scorer.h"
#include "model/sasrec.h"
#include "model/trainer.h"

namespace nba {
namespace {

constexpr float kTol = 1e-4f;

ModelConfig SmallConfig(const std::string& layout, const std::string& activation, int heads, bool event_types) {
  ModelConfig c;
  c.num_items = 300;
  c.max_len = 12;
  c.hidden = 16;
  c.heads = heads;
  c.blocks = 2;
  c.ffn_dim = 24;  // differs from hidden so a transposed FFN weight cannot pass
  c.activation = activation;
  c.layout = layout;
  c.event_types = event_types;
  c.layer_norm_eps = layout == "pre_ln" ? 1e-8 : 1e-5;
  return c;
}

// A random model whose every parameter (LayerNorm gains and biases, the
// padding row) is perturbed away from its initial value.
SasRec RandomModel(const ModelConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  SasRec model(c);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.1);
  model->eval();
  return model;
}

std::vector<Interaction> RandomHistory(std::mt19937* rng, int length, int64_t num_items) {
  std::uniform_int_distribution<uint32_t> item(1, static_cast<uint32_t>(num_items));
  std::uniform_int_distribution<int> type(1, kNumEventTypes - 1);
  std::vector<Interaction> h(length);
  for (int i = 0; i < length; ++i) h[i] = {item(*rng), static_cast<EventType>(type(*rng)), i};
  return h;
}

// libtorch's eval-mode forward over right-padded rows, each history cut to
// its last max_len events: hidden [B, d] (as scored: L2-normalised with
// cosine similarity) and scores [B, num_items + 1].
std::pair<torch::Tensor, torch::Tensor> TorchForward(SasRec& model, const std::vector<std::vector<Interaction>>& hs) {
  torch::NoGradGuard no_grad;
  const int64_t B = hs.size(), L = model->config.max_len;
  auto items = torch::zeros({B, L}, torch::kLong), types = torch::zeros({B, L}, torch::kLong);
  auto lengths = torch::zeros({B}, torch::kLong);
  for (int64_t r = 0; r < B; ++r) {
    const int64_t n = std::min<int64_t>(hs[r].size(), L), skip = hs[r].size() - n;
    for (int64_t p = 0; p < n; ++p) {
      items[r][p] = static_cast<int64_t>(hs[r][skip + p].item);
      types[r][p] = static_cast<int64_t>(hs[r][skip + p].type);
    }
    lengths[r] = n;
  }
  auto hidden = model->EncodeLast(items, types, lengths);
  return {model->OutputQuery(hidden), model->ScoreAll(hidden)};
}

float MaxAbsDiff(const float* a, const torch::Tensor& b) {
  auto t = b.contiguous();
  const float* p = t.data_ptr<float>();
  float worst = 0;
  for (int64_t i = 0; i < t.numel(); ++i) worst = std::max(worst, std::abs(a[i] - p[i]));
  return worst;
}

std::unique_ptr<SasRecEngine> MustCreate(const ModelConfig& c, const TensorMap& w) {
  std::unique_ptr<SasRecEngine> engine;
  Status s = SasRecEngine::Create(c, w, &engine);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return engine;
}

// layout, activation, heads, event types, positions, similarity
using Variant = std::tuple<std::string, std::string, int, bool, std::string, std::string>;

class EngineMatchesTorch : public testing::TestWithParam<Variant> {
 protected:
  ModelConfig config() const {
    auto [layout, activation, heads, types, positions, similarity] = GetParam();
    ModelConfig c = SmallConfig(layout, activation, heads, types);
    c.positions = positions;
    c.similarity = similarity;
    return c;
  }
};

TEST_P(EngineMatchesTorch, EncodeLastAndScoresEqualTorchForward) {
  const ModelConfig c = config();
  SasRec model = RandomModel(c, 7);
  auto engine = MustCreate(c, model->ExportWeights());
  ASSERT_TRUE(engine);

  std::mt19937 rng(11);
  std::vector<std::vector<Interaction>> hs;
  for (int len : {1, 2, 5, 11, 12, 13, 30}) hs.push_back(RandomHistory(&rng, len, c.num_items));
  auto [want_hidden, want_scores] = TorchForward(model, hs);

  const int d = engine->hidden(), w = engine->score_width();
  std::vector<float> hidden(hs.size() * d), scores(hs.size() * w);
  for (size_t r = 0; r < hs.size(); ++r) engine->EncodeLast(hs[r], &hidden[r * d]);
  engine->ScoreItems(hidden.data(), hs.size(), scores.data());
  EXPECT_LE(MaxAbsDiff(hidden.data(), want_hidden), kTol);
  EXPECT_LE(MaxAbsDiff(scores.data(), want_scores), kTol);

  std::vector<std::span<const Interaction>> spans(hs.begin(), hs.end());
  std::vector<float> batched(hs.size() * d);
  engine->EncodeLastBatch(spans, batched.data());
  EXPECT_EQ(batched, hidden);
}

TEST_P(EngineMatchesTorch, AppendMatchesFullRecomputeAtEveryStep) {
  const ModelConfig c = config();
  SasRec model = RandomModel(c, 3);
  auto engine = MustCreate(c, model->ExportWeights());
  ASSERT_TRUE(engine);

  std::mt19937 rng(5);
  const auto stream = RandomHistory(&rng, 2 * c.max_len + 1, c.num_items);
  UserState state;
  std::vector<float> full(engine->hidden());
  for (size_t t = 0; t < stream.size(); ++t) {
    engine->Append(&state, stream[t]);
    std::span<const Interaction> prefix(stream.data(), t + 1);
    engine->EncodeLast(prefix, full.data());
    float worst = 0;
    for (int j = 0; j < engine->hidden(); ++j) worst = std::max(worst, std::abs(state.hidden[j] - full[j]));
    EXPECT_LE(worst, kTol) << "after " << t + 1 << " events";
    EXPECT_EQ(state.events.size(), std::min<size_t>(t + 1, c.max_len));
  }
  EXPECT_LE(state.kv.capacity(), static_cast<size_t>(c.max_len * c.blocks * 2 * c.hidden));
}

INSTANTIATE_TEST_SUITE_P(AllVariants, EngineMatchesTorch,
                         testing::Combine(testing::Values("pre_ln", "original"), testing::Values("relu", "gelu"),
                                          testing::Values(1, 2), testing::Bool(),
                                          testing::Values("from_start", "from_end"),
                                          testing::Values("dot", "cosine")));

TEST(SasRecEngine, ServingSizeMatchesTorch) {
  ModelConfig c = SmallConfig("pre_ln", "relu", 2, true);
  c.num_items = 2000;
  c.max_len = 50;
  c.hidden = 64;
  c.ffn_dim = 64;
  SasRec model = RandomModel(c, 31);
  auto engine = MustCreate(c, model->ExportWeights());
  ASSERT_TRUE(engine);
  std::mt19937 rng(3);
  std::vector<std::vector<Interaction>> hs = {RandomHistory(&rng, 50, c.num_items),
                                              RandomHistory(&rng, 80, c.num_items)};
  auto [want_hidden, want_scores] = TorchForward(model, hs);
  std::vector<float> hidden(2 * c.hidden), scores(2 * engine->score_width());
  std::vector<std::span<const Interaction>> spans(hs.begin(), hs.end());
  engine->EncodeLastBatch(spans, hidden.data());
  engine->ScoreItems(hidden.data(), 2, scores.data());
  EXPECT_LE(MaxAbsDiff(hidden.data(), want_hidden), kTol);
  EXPECT_LE(MaxAbsDiff(scores.data(), want_scores), kTol);
}

// A trained model has weights far from their initialisation (larger norms,
// sharper attention): the engine must still equal torch on it.
TEST(SasRecEngine, TrainedModelMatchesTorch) {
  ShopOptions shop_options;
  shop_options.users = 300;
  shop_options.items = 60;
  SyntheticShop shop;
  ASSERT_TRUE(GenerateShop(shop_options, &shop).ok());
  Split split = LeaveOneOut(shop.events);
  ModelConfig c = SmallConfig("pre_ln", "gelu", 2, true);
  c.num_items = static_cast<int64_t>(shop.events.num_items());
  c.max_len = 20;
  SasRec model = RandomModel(c, 41);
  TrainConfig t;
  t.epochs = 5;
  t.lr = 5e-3;
  t.batch_size = 32;
  TrainResult result;
  ASSERT_TRUE(Train(split, t, model, nullptr, &result).ok());
  ASSERT_GT(result.best_valid_ndcg10, 0.2) << "the model did not learn; the comparison would prove little";

  auto engine = MustCreate(c, model->ExportWeights());
  ASSERT_TRUE(engine);
  std::vector<std::vector<Interaction>> hs;
  for (size_t i = 0; i < 8; ++i) hs.push_back(split.test[i].history);
  auto [want_hidden, want_scores] = TorchForward(model, hs);
  std::vector<float> hidden(hs.size() * c.hidden), scores(hs.size() * engine->score_width());
  std::vector<std::span<const Interaction>> spans(hs.begin(), hs.end());
  engine->EncodeLastBatch(spans, hidden.data());
  engine->ScoreItems(hidden.data(), static_cast<int>(hs.size()), scores.data());
  EXPECT_LE(MaxAbsDiff(hidden.data(), want_hidden), kTol);
  EXPECT_LE(MaxAbsDiff(scores.data(), want_scores), kTol);
}

TEST(SasRecEngine, InitStateThenAppendMatchesTorch) {
  const ModelConfig c = SmallConfig("pre_ln", "gelu", 2, true);
  SasRec model = RandomModel(c, 21);
  auto engine = MustCreate(c, model->ExportWeights());
  ASSERT_TRUE(engine);
  std::mt19937 rng(2);
  auto history = RandomHistory(&rng, 7, c.num_items);
  UserState state;
  engine->InitState(std::span<const Interaction>(history.data(), 6), &state);
  engine->Append(&state, history[6]);
  auto [want_hidden, want_scores] = TorchForward(model, {history});
  EXPECT_LE(MaxAbsDiff(state.hidden.data(), want_hidden), kTol);
  EXPECT_EQ(state.kv.size(), 7u * c.blocks * 2 * c.hidden);
}

TEST(SasRecEngine, EmptyHistoryGivesZeroHidden) {
  const ModelConfig c = SmallConfig("pre_ln", "relu", 1, false);
  auto engine = MustCreate(c, RandomModel(c, 1)->ExportWeights());
  ASSERT_TRUE(engine);
  std::vector<float> hidden(engine->hidden(), 1.0f);
  engine->EncodeLast({}, hidden.data());
  EXPECT_EQ(hidden, std::vector<float>(engine->hidden(), 0.0f));
}

TEST(SasRecEngine, OutOfRangeIdsEmbedAsPadding) {
  const ModelConfig c = SmallConfig("original", "relu", 1, true);
  auto engine = MustCreate(c, RandomModel(c, 4)->ExportWeights());
  ASSERT_TRUE(engine);
  std::vector<Interaction> bad = {{5, EventType::kView, 0}, {static_cast<uint32_t>(c.num_items + 9),
                                                             static_cast<EventType>(200), 1}};
  std::vector<Interaction> padded = {{5, EventType::kView, 0}, {0, EventType::kPadding, 1}};
  std::vector<float> a(engine->hidden()), b(engine->hidden());
  engine->EncodeLast(bad, a.data());
  engine->EncodeLast(padded, b.data());
  EXPECT_EQ(a, b);
}

TEST(SasRecEngine, TopKMatchesBruteForceWithExclusions) {
  const ModelConfig c = SmallConfig("pre_ln", "relu", 1, false);
  auto engine = MustCreate(c, RandomModel(c, 9)->ExportWeights());
  ASSERT_TRUE(engine);
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> level(0, 20);  // few distinct values: many ties
  std::vector<float> scores(engine->score_width());
  for (float& s : scores) s = level(rng) * 0.5f;
  scores[0] = 1e9f;  // padding must never come out, however high
  const std::vector<uint32_t> exclude = {1, 2, 50, 51, 52, 199, 300};

  std::vector<std::pair<uint32_t, float>> brute;
  for (uint32_t id = 1; id < scores.size(); ++id)
    if (!std::binary_search(exclude.begin(), exclude.end(), id)) brute.emplace_back(id, scores[id]);
  std::sort(brute.begin(), brute.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });

  std::vector<std::pair<uint32_t, float>> got;
  for (int k : {1, 10, 293, 400}) {
    engine->TopK(scores.data(), k, exclude, &got);
    const size_t want_size = std::min<size_t>(k, brute.size());
    ASSERT_EQ(got.size(), want_size) << "k=" << k;
    EXPECT_TRUE(std::equal(got.begin(), got.end(), brute.begin())) << "k=" << k;
  }
  engine->TopK(scores.data(), 0, exclude, &got);
  EXPECT_TRUE(got.empty());
}

TEST(SasRecEngine, ScorerAdapterScoresLikeTheEngine) {
  const ModelConfig c = SmallConfig("original", "gelu", 2, true);
  auto engine = MustCreate(c, RandomModel(c, 13)->ExportWeights());
  ASSERT_TRUE(engine);
  std::mt19937 rng(8);
  std::vector<EvalCase> cases(3);
  for (size_t i = 0; i < cases.size(); ++i) cases[i].history = RandomHistory(&rng, 4 + 9 * i, c.num_items);
  std::vector<const EvalCase*> ptrs = {&cases[0], &cases[1], &cases[2]};

  SasRecEngineScorer scorer(engine.get());
  EXPECT_EQ(scorer.num_items(), static_cast<size_t>(c.num_items));
  const int w = engine->score_width();
  std::vector<float> got(3 * w), want(3 * w), hidden(engine->hidden());
  scorer.Score(ptrs, got.data());
  for (int r = 0; r < 3; ++r) {
    engine->EncodeLast(cases[r].history, hidden.data());
    engine->ScoreItems(hidden.data(), 1, &want[r * w]);
  }
  // One product over three rows may round differently from three products.
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-6f) << "index " << i;
}

class CreateRejects : public testing::Test {
 protected:
  void SetUp() override {
    config_ = SmallConfig("pre_ln", "relu", 2, true);
    weights_ = RandomModel(config_, 1)->ExportWeights();
  }
  Status Create() {
    std::unique_ptr<SasRecEngine> engine;
    Status s = SasRecEngine::Create(config_, weights_, &engine);
    EXPECT_EQ(engine == nullptr, !s.ok());
    return s;
  }
  ModelConfig config_;
  TensorMap weights_;
};

TEST_F(CreateRejects, MissingTensor) {
  weights_.erase("blocks.1.v.bias");
  Status s = Create();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("missing tensor blocks.1.v.bias"), std::string::npos) << s.ToString();
}

TEST_F(CreateRejects, WrongShape) {
  Tensor& t = weights_.at("blocks.0.ffn1.weight");
  std::swap(t.shape[0], t.shape[1]);
  Status s = Create();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("blocks.0.ffn1.weight has shape [16, 24], expected [24, 16]"), std::string::npos)
      << s.ToString();
}

TEST_F(CreateRejects, DataShorterThanShape) {
  weights_.at("final_ln.bias").data.pop_back();
  Status s = Create();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("final_ln.bias"), std::string::npos) << s.ToString();
}

TEST_F(CreateRejects, TensorTheConfigDoesNotUse) {
  config_.event_types = false;
  Status s = Create();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("unexpected tensor type_emb.weight"), std::string::npos) << s.ToString();
}

TEST_F(CreateRejects, InvalidConfig) {
  config_.heads = 3;
  EXPECT_EQ(Create().code(), Status::Code::kInvalidArgument);
}

TEST_F(CreateRejects, WeightsOfAnotherCatalogueSize) {
  config_.num_items = 500;
  Status s = Create();
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("item_emb.weight"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace nba
