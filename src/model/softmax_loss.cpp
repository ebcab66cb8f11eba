#include "model/softmax_loss.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace nba {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kBlockRows = 32;  // 32 x 12k logits = 1.5 MB: stays in L2

// row[c] = exp(row[c] - max) for c < n; returns their sum. Arguments are <= 0,
// so exp is computed as 2^k * p(r) with a degree-6 polynomial (relative error
// ~2e-7, as good as expf for a softmax). std::exp does not vectorise here and
// took a third of the loss's time; this loop does, AVX2 where the CPU has it.
__attribute__((target_clones("avx2", "default"))) float ExpShiftedSum(float* row, int64_t n, float max) {
  float sum = 0;
  for (int64_t c = 0; c < n; ++c) {
    float x = std::max(row[c] - max, -87.0f);
    const float k = std::nearbyint(x * 1.44269504f);
    const float r = (x - k * 0.693359375f) + k * 2.12194440e-4f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    row[c] = p * scale;
    sum += row[c];
  }
  return sum;
}

// Rows [begin, end) of the loss: returns their summed loss, writes their
// rows of grad_h and adds their share to grad_w (rows 1.. of the table).
double LossRows(const float* hp, const float* wp, const int64_t* tp, int64_t begin, int64_t end, int64_t d,
                int64_t classes, float inv_n, float* ghp, float* gwp) {
  std::vector<float> logits(static_cast<size_t>(kBlockRows * classes));
  double loss = 0;
  for (int64_t r0 = begin; r0 < end; r0 += kBlockRows) {
    const int64_t rows = std::min(kBlockRows, end - r0);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, classes, d, 1.0f, hp + r0 * d, d, wp, d, 0.0f,
                logits.data(), classes);
    for (int64_t r = 0; r < rows; ++r) {
      float* row = logits.data() + r * classes;
      const int64_t target = tp[r0 + r] - 1;
      const float target_logit = row[target];
      const float max = *std::max_element(row, row + classes);
      const float sum = ExpShiftedSum(row, classes, max);
      loss += std::log(sum) + max - target_logit;
      // d loss / d logit = (softmax - onehot) / n
      const float scale = inv_n / sum;
      for (int64_t c = 0; c < classes; ++c) row[c] *= scale;
      row[target] -= inv_n;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, classes, 1.0f, logits.data(), classes, wp, d,
                0.0f, ghp + r0 * d, d);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, classes, d, rows, 1.0f, logits.data(), classes,
                hp + r0 * d, d, 1.0f, gwp, d);
  }
  return loss;
}

// Forward computes the gradients too (they need the same softmax), keeps them
// in the context, and backward only scales them by the incoming gradient.
// With several threads each takes a contiguous
// share of the rows and its own grad_w, summed at the end: this loss is the
// one part of a step large enough for a second core to pay.
struct FusedSoftmaxLoss : torch::autograd::Function<FusedSoftmaxLoss> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor hidden, torch::Tensor table,
                               torch::Tensor targets, int64_t threads) {
    auto h = hidden.detach().contiguous();
    auto w = table.detach().contiguous();
    auto t = targets.contiguous();
    const int64_t n = h.size(0), d = h.size(1), classes = w.size(0) - 1;
    auto grad_h = torch::empty_like(h);
    auto grad_w = torch::zeros_like(w);
    const float* hp = h.data_ptr<float>();
    const float* wp = w.data_ptr<float>() + d;  // row 0 is padding, not a class
    const int64_t* tp = t.data_ptr<int64_t>();
    const float inv_n = n > 0 ? 1.0f / static_cast<float>(n) : 0.0f;

    const int64_t blocks = (n + kBlockRows - 1) / kBlockRows;
    const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(threads, blocks));
    std::vector<torch::Tensor> partial_w(workers - 1);
    std::vector<double> partial_loss(workers, 0.0);
    std::vector<std::thread> helpers;
    for (int64_t i = 0; i < workers; ++i) {
      const int64_t begin = blocks * i / workers * kBlockRows;
      const int64_t end = std::min(n, blocks * (i + 1) / workers * kBlockRows);
      float* gw = grad_w.data_ptr<float>() + d;
      if (i > 0) {
        partial_w[i - 1] = torch::zeros({classes, d});
        gw = partial_w[i - 1].data_ptr<float>();
      }
      auto work = [=, &partial_loss, &grad_h] {
        partial_loss[i] = LossRows(hp, wp, tp, begin, end, d, classes, inv_n, grad_h.data_ptr<float>(), gw);
      };
      if (i + 1 < workers) helpers.emplace_back(work); else work();
    }
    for (auto& th : helpers) th.join();
    for (const auto& pw : partial_w) grad_w.narrow(0, 1, classes).add_(pw);
    double loss = 0;
    for (double l : partial_loss) loss += l;
    ctx->saved_data["grad_h"] = grad_h;
    ctx->saved_data["grad_w"] = grad_w;
    return torch::tensor(static_cast<float>(loss * inv_n));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto g = grad_out[0];
    return {ctx->saved_data["grad_h"].toTensor() * g, ctx->saved_data["grad_w"].toTensor() * g, torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

torch::Tensor FullSoftmaxLoss(const torch::Tensor& hidden, const torch::Tensor& table,
                              const torch::Tensor& targets, int threads) {
  return FusedSoftmaxLoss::apply(hidden, table, targets, static_cast<int64_t>(threads));
}

}  // namespace nba
