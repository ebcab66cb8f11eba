#include "cli/blas_setup.h"

#include <unistd.h>

#include <cstdlib>

namespace nba::cli {

void SelectBlasKernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return;
  setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  execv("/proc/self/exe", argv);
  // execv failed (no /proc): carry on with the kernels OpenBLAS chose.
}

}  // namespace nba::cli
