#include "storage/log_format.h"

#include <xxhash.h>

#include <cctype>
#include <cstdio>

namespace nba::log_format {
namespace {

void PutFixed32(uint32_t v, std::string* dst) {
  for (int i = 0; i < 4; ++i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutFixed64(uint64_t v, std::string* dst) {
  for (int i = 0; i < 8; ++i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

std::string EncodeHeader(const SegmentHeader& header) {
  std::string out(kMagic);
  PutFixed32(kVersion, &out);
  PutFixed64(header.first_seq, &out);
  PutFixed32(XXH32(out.data(), out.size(), 0), &out);
  return out;
}

Status DecodeHeader(std::string_view bytes, const std::string& file, SegmentHeader* header) {
  if (bytes.size() < kHeaderSize) {
    return Status::Corruption(file + ": header is " + std::to_string(bytes.size()) + " bytes, expected " +
                              std::to_string(kHeaderSize));
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption(file + ": bad magic, not an event log segment");
  }
  if (GetFixed32(bytes.data() + 20) != XXH32(bytes.data(), 20, 0)) {
    return Status::Corruption(file + ": header checksum mismatch");
  }
  uint32_t version = GetFixed32(bytes.data() + 8);
  if (version != kVersion) {
    return Status::Corruption(file + ": unsupported format version " + std::to_string(version));
  }
  header->first_seq = GetFixed64(bytes.data() + 12);
  return Status::Ok();
}

void AppendRecord(std::string_view payload, std::string* dst) {
  size_t start = dst->size();
  PutFixed64(0, dst);
  PutFixed32(static_cast<uint32_t>(payload.size()), dst);
  dst->append(payload);
  uint64_t sum = XXH3_64bits(dst->data() + start + 8, 4 + payload.size());
  for (int i = 0; i < 8; ++i) (*dst)[start + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
}

uint32_t DecodeLength(std::string_view bytes) { return GetFixed32(bytes.data() + 8); }

bool ChecksumMatches(std::string_view frame) {
  return GetFixed64(frame.data()) == XXH3_64bits(frame.data() + 8, frame.size() - 8);
}

std::string SegmentFileName(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%08llu.log", static_cast<unsigned long long>(number));
  return buf;
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".log";
  if (name.size() < 8 + kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) return std::nullopt;
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 19) return std::nullopt;
  uint64_t number = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  if (number == 0) return std::nullopt;
  return number;
}

}  // namespace nba::log_format
