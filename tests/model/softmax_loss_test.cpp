// The fused full-softmax loss must equal libtorch's matmul + cross_entropy,
// in value and in both gradients.
#include "model/softmax_loss.h"

#include <gtest/gtest.h>

namespace nba {
namespace {

TEST(FullSoftmaxLossTest, MatchesLibtorchValueAndGradients) {
  torch::manual_seed(11);
  for (int threads : {1, 2}) {  // 2: rows split between threads, grad_w summed
  for (int64_t n : {1, 31, 32, 70, 130}) {  // below, at and across the row block
    auto h1 = torch::randn({n, 8}, torch::requires_grad());
    auto w1 = torch::randn({51, 8}, torch::requires_grad());
    auto targets = torch::randint(1, 51, {n}, torch::kLong);
    auto h2 = h1.detach().clone().requires_grad_(true);
    auto w2 = w1.detach().clone().requires_grad_(true);

    auto fused = FullSoftmaxLoss(h1, w1, targets, threads) * 3.0;
    fused.backward();
    auto logits = torch::matmul(h2, w2.narrow(0, 1, 50).t());
    auto reference = torch::nn::functional::cross_entropy(logits, targets - 1) * 3.0;
    reference.backward();

    EXPECT_NEAR(fused.item<float>(), reference.item<float>(), 1e-4) << n << " rows, " << threads << " threads";
    EXPECT_TRUE(torch::allclose(h1.grad(), h2.grad(), 1e-4, 1e-5)) << n << " rows, " << threads << " threads";
    EXPECT_TRUE(torch::allclose(w1.grad(), w2.grad(), 1e-4, 1e-5)) << n << " rows, " << threads << " threads";
    EXPECT_EQ(w1.grad()[0].abs().sum().item<float>(), 0.0f) << "padding row is not a class";
  }
  }
}

}  // namespace
}  // namespace nba
