// On-disk format of the event log (see event_log.h for the rules built on it).
//
// A log is a directory of segment files named NNNNNNNN.log (decimal segment
// number, 8 digits, starting at 00000001). Each segment is
//
//   header  := magic "nbaevlog" | version u32 | first_seq u64 | xxh32 u32
//              (24 bytes; xxh32 covers the 20 bytes before it)
//   record* := xxh3_64 u64 | length u32 | payload[length]
//              (xxh3_64 covers length and payload)
//
// All integers are little-endian. Records carry no sequence number: the
// record at index i of a segment has sequence first_seq + i, so a segment
// is valid only as a gap-free chain of records from its header on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nba::log_format {

inline constexpr std::string_view kMagic = "nbaevlog";
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderSize = 24;
inline constexpr size_t kRecordHeaderSize = 12;
// Bounds the memory a reader allocates for one record, so a corrupt length
// field is reported instead of attempted.
inline constexpr uint32_t kMaxRecordBytes = 64u << 20;

struct SegmentHeader {
  uint64_t first_seq = 0;
};

std::string EncodeHeader(const SegmentHeader& header);
// `bytes` must hold kHeaderSize bytes; `file` names the segment in errors.
Status DecodeHeader(std::string_view bytes, const std::string& file, SegmentHeader* header);

// Appends the framed record (checksum, length, payload) to *dst.
void AppendRecord(std::string_view payload, std::string* dst);
inline size_t FramedSize(std::string_view payload) { return kRecordHeaderSize + payload.size(); }

// Reads the payload length of a frame; `bytes` holds at least kRecordHeaderSize bytes.
uint32_t DecodeLength(std::string_view bytes);
// True when `frame` (frame header and whole payload) carries a matching checksum.
bool ChecksumMatches(std::string_view frame);

std::string SegmentFileName(uint64_t number);
// Returns the segment number of "NNNNNNNN.log", or nothing for other names.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

}  // namespace nba::log_format
