// TensorMap: named float tensors, the torch-free currency between the trainer,
// the safetensors files of an artefact, and the inference engine.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nba {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major, size == product(shape)

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

using TensorMap = std::map<std::string, Tensor>;

}  // namespace nba
