// Little-endian fixed-width encoding for the engine's binary records (event
// log records, feature-store snapshots): append with Put*, read back with a
// Decoder whose failure is sticky, so a decoder checks ok() once per record
// instead of after every field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nba {

template <typename T>
void PutFixed(std::string* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out->push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

// A uint32 length, then the bytes.
inline void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutFixed<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}

  // After the first short read every value is zero/empty and ok() is false.
  template <typename T>
  T Get() {
    if (!Have(sizeof(T))) return T();
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }
  std::string_view GetLengthPrefixed() {
    const uint32_t n = Get<uint32_t>();
    if (!Have(n)) return {};
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // False when `count` items of at least `min_bytes` each cannot fit in what
  // is left, so a damaged count is reported instead of allocated.
  bool CanHold(uint64_t count, size_t min_bytes) const {
    return ok_ && count <= (data_.size() - pos_) / min_bytes;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == data_.size(); }
  size_t pos() const { return pos_; }

 private:
  bool Have(size_t n) {
    if (ok_ && n <= data_.size() - pos_) return true;
    ok_ = false;
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace nba
