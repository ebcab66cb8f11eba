#include "cli/metrics_table.h"

#include <cstdio>

namespace nba::cli {

namespace {

void PrintRow(const char* name, const char* protocol, const MetricSet& m) {
  if (m.count() == 0) return;
  std::printf("| %-10s | %-10s | %.4f | %.4f | %.4f | %.4f | %.4f |\n", name, protocol, m.Ndcg(10),
              m.HitRate(10), m.Ndcg(20), m.HitRate(20), m.Mrr(10));
}

}  // namespace

void PrintMetricsTable(const std::string& title, const EvalResult& model, const EvalResult& popularity) {
  std::printf("\n%s\n\n", title.c_str());
  std::printf("| model      | protocol   | NDCG@10 | HR@10 | NDCG@20 | HR@20 | MRR@10 |\n");
  std::printf("|------------|------------|--------|--------|--------|--------|--------|\n");
  PrintRow("SASRec", "full", model.full);
  PrintRow("SASRec", "sampled100", model.sampled);
  PrintRow("popularity", "full", popularity.full);
  PrintRow("popularity", "sampled100", popularity.sampled);
}

}  // namespace nba::cli
