#include "server/url.h"

#include "core/utf8.h"

namespace nba {

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument("bad percent-encoding at offset " + std::to_string(i));
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  // Decoded text ends up in JSON answers and logs: it must be UTF-8.
  if (!IsValidUtf8(*out)) return Status::InvalidArgument("not valid UTF-8 once percent-decoded");
  return Status::Ok();
}

Status ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key, value;
    NBA_RETURN_IF_ERROR(PercentDecode(part.substr(0, eq), true, &key));
    if (eq != std::string_view::npos) {
      NBA_RETURN_IF_ERROR(PercentDecode(part.substr(eq + 1), true, &value));
    }
    out->emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = path.starts_with('/') ? 1 : 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (path.size() > 1 && path.ends_with('/')) segments.push_back({});
  return segments;
}

}  // namespace nba
