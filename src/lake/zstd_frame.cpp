#include "lake/zstd_frame.h"

#include <zstd.h>

#include <memory>

namespace nba {

std::string ZstdCompress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  // Cannot fail: the buffer has the bound's size and the level is clamped by zstd.
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

Status ZstdDecompress(std::string_view data, const std::string& name, std::string* out) {
  // Streaming, so that a damaged header cannot ask for a huge buffer up front.
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  out->clear();
  if (data.empty()) return Status::Corruption(name + ": empty file, not a zstd frame");
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  size_t pending = 0;  // 0: at a frame boundary
  while (in.pos < in.size) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    pending = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(pending)) {
      return Status::Corruption(name + ": not a valid zstd frame: " + ZSTD_getErrorName(pending));
    }
    out->append(chunk.data(), o.pos);
  }
  // The input is consumed; flush what the decoder still holds of the last frame.
  while (pending != 0) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    pending = ZSTD_decompressStream(ctx.get(), &o, &in);
    if (ZSTD_isError(pending)) {
      return Status::Corruption(name + ": not a valid zstd frame: " + ZSTD_getErrorName(pending));
    }
    out->append(chunk.data(), o.pos);
    if (o.pos == 0 && pending != 0) return Status::Corruption(name + ": truncated zstd frame");
  }
  return Status::Ok();
}

}  // namespace nba
