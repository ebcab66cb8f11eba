# Torch for a build against a PyTorch wheel's libtorch (torch/lib, torch/include)
# on a machine without the CUDA toolkit: the wheel's own TorchConfig.cmake
# looks for nvcc and the CUDA libraries, which only the GPU machine has.
# Used by bench/gpu/build.sh: cmake -DTorch_DIR=<this folder> -DTORCH_WHEEL_ROOT=<site-packages/torch>.
if(NOT TORCH_WHEEL_ROOT OR NOT EXISTS "${TORCH_WHEEL_ROOT}/lib/libtorch_cuda.so")
  message(FATAL_ERROR "TORCH_WHEEL_ROOT must name an unpacked CUDA torch wheel's torch/ folder")
endif()
set(_lib "${TORCH_WHEEL_ROOT}/lib")
add_library(torch INTERFACE IMPORTED)
set_target_properties(torch PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${TORCH_WHEEL_ROOT}/include;${TORCH_WHEEL_ROOT}/include/torch/csrc/api/include")
# libtorch_cuda registers the CUDA backend when it loads, and nba calls none
# of its symbols, so it is linked with --no-as-needed. The CUDA runtime it
# needs is found on the GPU machine; here its symbols stay unresolved.
target_link_libraries(torch INTERFACE
  -Wl,--no-as-needed "${_lib}/libtorch_cuda.so" "${_lib}/libc10_cuda.so" -Wl,--as-needed
  "${_lib}/libtorch.so" "${_lib}/libtorch_cpu.so" "${_lib}/libc10.so"
  -Wl,--allow-shlib-undefined "-Wl,-rpath-link,${_lib}")
set(TORCH_LIBRARIES torch)
set(Torch_FOUND TRUE)
