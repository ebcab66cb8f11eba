// Full softmax cross-entropy over every item, fused: logits are computed in
// row blocks that stay in cache, and the gradients are produced in the same
// pass, so the [N, num_items] logits matrix is never materialised. On this
// 2-core machine libtorch's matmul + cross_entropy + backward spent most of
// a Beauty epoch moving that matrix through memory.
#pragma once

#include <torch/torch.h>

namespace nba {

// Mean over rows of -log softmax(hidden · table[1..]ᵀ)[target - 1].
// hidden: [N, d] float; table: [num_items + 1, d] (row 0, padding, is never a
// class); targets: [N] int64 in 1..num_items. Differentiable in hidden and table.
// `threads` split the rows; each thread runs its own single-threaded BLAS.
torch::Tensor FullSoftmaxLoss(const torch::Tensor& hidden, const torch::Tensor& table,
                              const torch::Tensor& targets, int threads = 1);

}  // namespace nba
