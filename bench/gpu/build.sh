#!/usr/bin/env bash
# Builds nba against the CUDA libtorch of a PyTorch wheel, on this machine
# (no GPU, no CUDA toolkit), for training on a GPU machine that has the same
# wheel installed (the lent device machine: torch 2.11.0+cu130), and stages
# what that machine lacks in bench/gpu/stage (git-ignored): the binary, the
# shared libraries it needs beyond glibc, libstdc++ and torch, and ML-1M.
#   bash bench/gpu/build.sh            # then carry bench/gpu/stage
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${TORCH_VERSION:-2.11.0}
wheel_dir=${TORCH_WHEEL_DIR:-/tmp/nba-torch-wheel-$version}
if [ ! -f "$wheel_dir/torch/lib/libtorch_cuda.so" ]; then
  command -v unzip > /dev/null || { echo "build.sh: needs unzip (apt-get install unzip)" >&2; exit 1; }
  mkdir -p "$wheel_dir"
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 -d "$wheel_dir" "torch==$version"
  unzip -q -o "$wheel_dir"/torch-"$version"-*.whl 'torch/lib/*' 'torch/include/*' -d "$wheel_dir"
fi
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DNBA_BUILD_TESTS=OFF -DNBA_BUILD_BENCH=OFF \
  -DTorch_DIR="$PWD/bench/gpu/torch-wheel" -DTORCH_WHEEL_ROOT="$wheel_dir/torch" > /dev/null
ninja -C build-cuda nba

stage=bench/gpu/stage
rm -rf "$stage"
mkdir -p "$stage/lib"
cp build-cuda/nba "$stage/"
# Libraries the GPU machine has itself: glibc's, libstdc++, torch's (its
# wheel brings libgomp and the CUDA libraries, unresolved here).
LD_LIBRARY_PATH="$wheel_dir/torch/lib" ldd build-cuda/nba | awk '$3 ~ /^\// {print $1, $3}' |
  grep -Ev '^(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|libgomp|libtorch[a-z_]*|libc10[a-z_]*)\.so' |
  while read -r name path; do cp -L "$path" "$stage/lib/$name"; done
if [ -f ../shared/datasets/ML-1M.tsv.gz ]; then cp ../shared/datasets/ML-1M.tsv.gz "$stage/"; fi
du -sh "$stage"
