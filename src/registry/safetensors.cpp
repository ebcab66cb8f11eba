#include "registry/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/file_util.h"

namespace nba {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian data; this code copies host floats as they are");

namespace {

constexpr char kMetadataKey[] = "__metadata__";
// The reference implementation refuses larger headers; so do we, before parsing.
constexpr uint64_t kMaxHeaderBytes = 100 << 20;

Status Bad(const std::string& path, const std::string& why) {
  return Status::Corruption(path + ": " + why);
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// One tensor's byte range inside the data buffer, for the tiling check.
struct Extent {
  uint64_t begin;
  uint64_t end;
  std::string name;
};

// Parses one header entry into `t` (data not yet filled) and its byte range.
Status ParseEntry(const std::string& path, const std::string& name, const nlohmann::json& entry,
                  uint64_t buffer_size, Tensor* t, Extent* extent) {
  const std::string where = "tensor \"" + name + "\": ";
  if (!entry.is_object()) return Bad(path, where + "header entry is not a JSON object");
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string()) return Bad(path, where + "missing dtype");
  if (*dtype != "F32")
    return Bad(path, where + "dtype \"" + dtype->get<std::string>() + "\" is not supported (only F32)");

  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) return Bad(path, where + "missing shape array");
  uint64_t numel = 1;
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned())
      return Bad(path, where + "shape " + shape->dump() + " is not a list of non-negative integers");
    uint64_t dim = d.get<uint64_t>();
    if (dim > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, dim, &numel))
      return Bad(path, where + "shape " + shape->dump() + " overflows");
    t->shape.push_back(static_cast<int64_t>(dim));
  }
  uint64_t nbytes;
  if (__builtin_mul_overflow(numel, uint64_t{sizeof(float)}, &nbytes))
    return Bad(path, where + "shape " + shape->dump() + " overflows");

  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    return Bad(path, where + "data_offsets must be [begin, end] with non-negative integers");
  extent->begin = (*offsets)[0].get<uint64_t>();
  extent->end = (*offsets)[1].get<uint64_t>();
  extent->name = name;
  if (extent->begin > extent->end || extent->end > buffer_size)
    return Bad(path, where + "data_offsets " + offsets->dump() + " lie outside the " +
                         std::to_string(buffer_size) + "-byte data buffer");
  if (extent->end - extent->begin != nbytes)
    return Bad(path, where + "data_offsets " + offsets->dump() + " span " +
                         std::to_string(extent->end - extent->begin) + " bytes but shape " +
                         ShapeString(t->shape) + " needs " + std::to_string(nbytes));
  return Status::Ok();
}

// Tensors must tile the buffer: no overlaps, no holes, no trailing bytes (the
// reference implementation's rule, which also makes every byte accounted for).
Status CheckTiling(const std::string& path, std::vector<Extent> extents, uint64_t buffer_size) {
  std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  const Extent* prev = nullptr;
  for (const Extent& e : extents) {
    if (e.begin < covered)
      return Bad(path, "tensors \"" + prev->name + "\" and \"" + e.name + "\" overlap");
    if (e.begin > covered)
      return Bad(path, "data bytes [" + std::to_string(covered) + ", " + std::to_string(e.begin) +
                           ") belong to no tensor");
    covered = e.end;
    prev = &e;
  }
  if (covered != buffer_size)
    return Bad(path, std::to_string(buffer_size - covered) + " bytes after the last tensor belong to no tensor");
  return Status::Ok();
}

}  // namespace

Status WriteSafetensors(const std::string& path, const TensorMap& tensors,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey) return Status::InvalidArgument(path + ": tensor name \"__metadata__\" is reserved");
    const std::string where = path + ": tensor \"" + name + "\": shape " + ShapeString(t.shape);
    if (std::any_of(t.shape.begin(), t.shape.end(), [](int64_t d) { return d < 0; }))
      return Status::InvalidArgument(where + " has a negative dimension");
    if (static_cast<int64_t>(t.data.size()) != t.numel())
      return Status::InvalidArgument(where + " holds " + std::to_string(t.numel()) + " values but data has " +
                                     std::to_string(t.data.size()));
    uint64_t nbytes = t.data.size() * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string json;
  try {
    json = header.dump();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(path + ": tensor names and metadata must be UTF-8: " + e.what());
  }
  // Padding the header with spaces keeps the data 8-byte aligned in the file.
  json.append((8 - json.size() % 8) % 8, ' ');

  std::string file;
  file.reserve(8 + json.size() + offset);
  uint64_t header_len = json.size();
  file.append(reinterpret_cast<const char*>(&header_len), 8);
  file += json;
  for (const auto& [name, t] : tensors)
    file.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  return WriteFileAtomic(path, file);
}

Status ReadSafetensors(const std::string& path, TensorMap* out,
                       std::map<std::string, std::string>* metadata) {
  std::string file;
  NBA_RETURN_IF_ERROR(ReadFileToString(path, &file));
  if (file.size() < 8)
    return Bad(path, "truncated: " + std::to_string(file.size()) + " bytes, too short for the 8-byte header length");
  uint64_t header_len;
  std::memcpy(&header_len, file.data(), 8);
  if (header_len > file.size() - 8)
    return Bad(path, "header length " + std::to_string(header_len) + " runs past the end of the " +
                         std::to_string(file.size()) + "-byte file");
  if (header_len > kMaxHeaderBytes)
    return Bad(path, "header length " + std::to_string(header_len) + " exceeds the 100 MiB limit");

  const char* header_begin = file.data() + 8;
  nlohmann::json header = nlohmann::json::parse(header_begin, header_begin + header_len, nullptr, false);
  if (header.is_discarded()) return Bad(path, "header is not valid JSON");
  if (!header.is_object()) return Bad(path, "header is not a JSON object");

  const char* buffer = header_begin + header_len;
  const uint64_t buffer_size = file.size() - 8 - header_len;
  TensorMap tensors;
  std::map<std::string, std::string> meta;
  std::vector<Extent> extents;
  for (const auto& [name, entry] : header.items()) {
    if (name == kMetadataKey) {
      if (!entry.is_object()) return Bad(path, "__metadata__ is not a JSON object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) return Bad(path, "__metadata__ \"" + key + "\" is not a string");
        meta[key] = value.get<std::string>();
      }
      continue;
    }
    Tensor t;
    Extent extent;
    NBA_RETURN_IF_ERROR(ParseEntry(path, name, entry, buffer_size, &t, &extent));
    t.data.resize((extent.end - extent.begin) / sizeof(float));
    if (!t.data.empty()) std::memcpy(t.data.data(), buffer + extent.begin, extent.end - extent.begin);
    tensors[name] = std::move(t);
    extents.push_back(std::move(extent));
  }
  NBA_RETURN_IF_ERROR(CheckTiling(path, std::move(extents), buffer_size));
  *out = std::move(tensors);
  if (metadata != nullptr) *metadata = std::move(meta);
  return Status::Ok();
}

}  // namespace nba
