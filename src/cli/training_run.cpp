#include "cli/training_run.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "cli/metrics_table.h"
#include "eval/evaluator.h"
#include "eval/popularity.h"
#include "model/torch_scorer.h"

namespace nba::cli {

namespace {

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

void PrintEpoch(const EpochLog& log) {
  std::fprintf(stderr, "epoch %3lld/%lld  loss %.4f  %.1fs  eta %.0fs", static_cast<long long>(log.epoch),
               static_cast<long long>(log.epochs), log.loss, log.seconds, log.eta_seconds);
  if (log.evaluated)
    std::fprintf(stderr, "  valid ndcg@10 %.4f hr@10 %.4f  best %.4f @%lld", log.valid_ndcg10, log.valid_hr10,
                 log.best_ndcg10, static_cast<long long>(log.best_epoch));
  std::fprintf(stderr, "\n");
}

// A fresh model, same seed, trained on training + validation events for the
// epoch count early stopping chose; it replaces `model`.
Status Refit(const std::vector<std::vector<Interaction>>& train, const TrainingRun& run, int64_t epochs,
             SasRec* model, TrainResult* result) {
  Split extended;
  extended.train = train;
  TrainConfig config = run.train;
  config.epochs = epochs;
  config.early_stopping = false;
  config.checkpoint_dir.clear();
  config.resume = false;
  std::fprintf(stderr, "refit: a fresh model on training + validation events, %lld epochs\n",
               static_cast<long long>(epochs));
  torch::manual_seed(config.seed);
  SasRec fresh(run.model);
  NBA_RETURN_IF_ERROR(Train(extended, config, fresh, PrintEpoch, result));
  *model = fresh;
  return Status::Ok();
}

}  // namespace

Status RunTraining(const Dataset& data, const Split& split, TrainingRun* run, Artefact* artefact) {
  run->model.num_items = static_cast<int64_t>(data.num_items());
  NBA_RETURN_IF_ERROR(run->model.Validate());
  // Seeded before the weights are drawn, so one seed gives one model.
  torch::manual_seed(run->train.seed);
  SasRec model(run->model);
  std::fprintf(stderr, "training SASRec (%s, %s loss) on %zu users, %zu items; %zu validation cases\n",
               run->model.layout.c_str(), run->train.loss.c_str(), data.num_users(), data.num_items(),
               split.valid.size());
  TrainResult result;
  NBA_RETURN_IF_ERROR(Train(split, run->train, model, PrintEpoch, &result));
  // The test split is looked at only after training chose its weights.
  EvalOptions opts;
  opts.full = opts.sampled = true;
  opts.num_threads = static_cast<size_t>(std::max(1, run->train.threads));
  const std::string title = run->data_description + " — test split, " + std::to_string(split.test.size()) +
                            " cases, seen items excluded from full ranking";
  // `fit` holds the events the final model learned from; its popularity
  // baseline counts the same ones. With --refit the early-stopped model is
  // measured too, to show what the refit changed; the flag, not these
  // numbers, decides which model is the result.
  Split fit = split;
  TrainResult refit;
  EvalResult early_test, early_pop;
  if (run->train.refit) {
    TorchScorer early(model);
    NBA_RETURN_IF_ERROR(EvaluateBesidePopularity(early, split, opts, &early_test, &early_pop));
    PrintMetricsTable(title + " — early-stopped model, before the refit", early_test, early_pop);
    fit.train = TrainingWithValidation(data, split);
    NBA_RETURN_IF_ERROR(Refit(fit.train, *run, result.best_epoch, &model, &refit));
  }
  TorchScorer scorer(model);
  EvalResult test, pop;
  NBA_RETURN_IF_ERROR(EvaluateBesidePopularity(scorer, fit, opts, &test, &pop));
  PrintMetricsTable(run->train.refit ? title + " — refitted model" : title, test, pop);
  std::printf("\nbest epoch %lld of %lld; %.1f s/epoch; %.0f s to best; %.0f s total; peak RSS %.0f MiB\n",
              static_cast<long long>(result.best_epoch), static_cast<long long>(result.epochs_run),
              result.seconds_per_epoch, result.seconds_to_best, result.train_seconds, PeakRssMiB());
  if (run->train.refit)
    std::printf("refit on training + validation events: %lld epochs, %.0f s\n",
                static_cast<long long>(refit.epochs_run), refit.train_seconds);

  artefact->config = run->model.ToJson();
  artefact->weights = model->ExportWeights();
  artefact->items = data.items;
  artefact->data = DataFingerprint(run->data_sha256, data);
  artefact->metrics = {{"dataset", run->data_description},
                       {"valid_ndcg@10", result.best_valid_ndcg10},
                       {"test", test.ToJson()},
                       {"popularity", pop.ToJson()},
                       {"train",
                        {{"epochs", result.epochs_run},
                         {"best_epoch", result.best_epoch},
                         {"seconds", result.train_seconds},
                         {"seconds_to_best", result.seconds_to_best},
                         {"seconds_per_epoch", result.seconds_per_epoch},
                         {"peak_rss_mib", PeakRssMiB()},
                         {"config", run->train.ToJson()}}}};
  if (run->train.refit)
    artefact->metrics["train"]["refit"] = {{"epochs", refit.epochs_run},
                                           {"seconds", refit.train_seconds},
                                           {"test_before", early_test.ToJson()},
                                           {"popularity_before", early_pop.ToJson()}};
  return Status::Ok();
}

}  // namespace nba::cli
