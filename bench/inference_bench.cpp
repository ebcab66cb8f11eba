// Serving cost of the SASRec inference engine, one thread: microseconds per
// sequence to encode a history (full recompute, or one incremental Append),
// to score every item, and to pick the top 10. Random weights, hidden 64,
// 2 blocks, 1 head, pre_ln, relu, event types on. Prints a markdown table.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "inference/sasrec_engine.h"
#include "model/sasrec.h"

namespace nba {
namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Microseconds per sequence of `body` (which handles `per_call` sequences):
// the median of 31 slices of ~10 ms, so other processes on this shared
// machine disturb a few slices rather than the result.
template <typename F>
double PerSequence(int per_call, F body) {
  body();  // warm: grows the thread-local workspace, faults pages in
  std::vector<double> slices;
  for (int i = 0; i < 31; ++i) {
    int calls = 0;
    const auto start = Clock::now();
    while (Clock::now() - start < std::chrono::milliseconds(10)) {
      body();
      ++calls;
    }
    slices.push_back(Micros(Clock::now() - start) / (static_cast<double>(calls) * per_call));
  }
  std::nth_element(slices.begin(), slices.begin() + 15, slices.end());
  return slices[15];
}

void Row(int64_t items, int length, int batch) {
  ModelConfig c;
  c.num_items = items;
  c.max_len = length;
  c.hidden = 64;
  c.ffn_dim = 64;
  c.blocks = 2;
  c.heads = 1;
  torch::manual_seed(1);
  std::unique_ptr<SasRecEngine> engine;
  Status s = SasRecEngine::Create(c, SasRec(c)->ExportWeights(), &engine);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::exit(1);
  }

  std::mt19937 rng(42);
  std::uniform_int_distribution<uint32_t> item(1, static_cast<uint32_t>(items));
  std::vector<std::vector<Interaction>> histories(batch);
  for (auto& h : histories)
    for (int i = 0; i < length; ++i) h.push_back({item(rng), EventType::kView, i});
  std::vector<std::span<const Interaction>> spans(histories.begin(), histories.end());
  std::vector<float> hidden(static_cast<size_t>(batch) * c.hidden);
  std::vector<float> scores(static_cast<size_t>(batch) * engine->score_width());
  std::vector<std::pair<uint32_t, float>> top;
  const std::vector<uint32_t> exclude;

  const double encode = PerSequence(batch, [&] { engine->EncodeLastBatch(spans, hidden.data()); });
  const double score = PerSequence(batch, [&] { engine->ScoreItems(hidden.data(), batch, scores.data()); });
  const double topk = PerSequence(batch, [&] {
    for (int r = 0; r < batch; ++r) engine->TopK(&scores[r * engine->score_width()], 10, exclude, &top);
  });

  // Each state holds length - 1 events; Append adds the last one (the
  // incremental path: the window is not yet full), then it is taken back
  // (two size changes, no allocation).
  std::vector<UserState> states(batch);
  for (int r = 0; r < batch; ++r) engine->InitState(spans[r].first(length - 1), &states[r]);
  const size_t kv_kept = static_cast<size_t>(length - 1) * c.blocks * 2 * c.hidden;
  const double append = PerSequence(batch, [&] {
    for (int r = 0; r < batch; ++r) {
      engine->Append(&states[r], histories[r].back());
      states[r].events.pop_back();
      states[r].kv.resize(kv_kept);
    }
  });

  std::printf("| %lld | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", static_cast<long long>(items), length,
              batch, encode, score, topk, encode + score + topk, append, append + score + topk);
}

}  // namespace
}  // namespace nba

int main() {
  openblas_set_num_threads(1);
  torch::set_num_threads(1);
  std::printf("| items | length | batch | encode | score all | top-10 | full total | append | append total |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (int64_t items : {12000, 100000})
    for (int length : {50, 200})
      for (int batch : {1, 32}) nba::Row(items, length, batch);
  std::printf("\nmicroseconds per sequence, one thread; total = encode + score all + top-10\n");
}
