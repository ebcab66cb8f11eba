#include "data/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace nba {

Status LineReader::Open(const std::string& path, std::unique_ptr<LineReader>* out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Status::NotFound(path + ": no such file");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  gzbuffer(file, 1 << 18);
  out->reset(new LineReader(path, file));
  return Status::Ok();
}

LineReader::~LineReader() { gzclose(static_cast<gzFile>(file_)); }

bool LineReader::Next(std::string* line) {
  line->clear();
  char buf[1 << 16];
  gzFile file = static_cast<gzFile>(file_);
  // gzgets stops at a newline or a full buffer; long lines take several calls.
  while (gzgets(file, buf, sizeof(buf)) != nullptr) {
    size_t n = std::strlen(buf);
    line->append(buf, n);
    if (n > 0 && buf[n - 1] == '\n') break;
  }
  int err = Z_OK;
  const char* msg = gzerror(file, &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    status_ = Status::Corruption(path_ + ": after line " + std::to_string(line_number_) + ": " + msg);
    return false;
  }
  if (line->empty()) return false;  // end of file
  if (line->back() == '\n') line->pop_back();
  if (!line->empty() && line->back() == '\r') line->pop_back();
  ++line_number_;
  return true;
}

}  // namespace nba
