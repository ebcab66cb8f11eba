// OpenBLAS picks its kernels once, when it is loaded, from the CPU model; the
// OpenBLAS in Debian 12 does not know recent Xeons and falls back to its
// oldest x86-64 kernels ("Prescott"), halving matrix speed for training and
// serving alike. The only way to choose is the OPENBLAS_CORETYPE variable,
// read before main() runs, so `nba` re-executes itself once with it set.
#pragma once

namespace nba::cli {

// When OPENBLAS_CORETYPE is unset and the CPU has AVX2 and FMA, sets it to
// "Haswell" (the AVX2 kernels, correct on every AVX2 CPU) and re-executes the
// program; returns only when no re-execution was needed or it failed.
void SelectBlasKernels(char** argv);

}  // namespace nba::cli
