// LineReader: reads a text file line by line, plain or gzip-compressed (zlib
// detects which), so every importer accepts both without a flag.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace nba {

class LineReader {
 public:
  // NotFound when `path` does not exist, IOError when it cannot be opened.
  static Status Open(const std::string& path, std::unique_ptr<LineReader>* out);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Stores the next line without its "\n" or "\r\n" and returns true; returns
  // false at the end of the file or on a read error (then status() says which).
  bool Next(std::string* line);
  // 1-based number of the line Next returned last.
  int64_t line_number() const { return line_number_; }
  const Status& status() const { return status_; }

 private:
  LineReader(std::string path, void* file) : path_(std::move(path)), file_(file) {}

  std::string path_;
  void* file_;  // gzFile; kept opaque so callers need not include zlib.h
  int64_t line_number_ = 0;
  Status status_;
};

}  // namespace nba
