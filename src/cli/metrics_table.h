// The accuracy table printed by `nba train` and `nba eval`.
#pragma once

#include <string>

#include "eval/evaluator.h"

namespace nba::cli {

// Markdown rows for the model and the popularity baseline, both protocols.
void PrintMetricsTable(const std::string& title, const EvalResult& model, const EvalResult& popularity);

}  // namespace nba::cli
