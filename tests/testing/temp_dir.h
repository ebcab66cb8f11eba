// The one scratch directory of every test suite: a fresh directory removed
// with everything in it at the end of the test, and files written into it
// plain or gzip-compressed.
#pragma once

#include <stdlib.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace nba::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nba-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }

  std::string File(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

  // Writes `text` to `name` (gzip-compressed when the name ends in ".gz").
  std::string Write(const std::string& name, const std::string& text) const {
    std::string path = File(name);
    if (path.ends_with(".gz")) {
      gzFile f = gzopen(path.c_str(), "wb");
      gzwrite(f, text.data(), text.size());
      gzclose(f);
    } else {
      std::ofstream(path, std::ios::binary) << text;
    }
    return path;
  }

  std::string Read(const std::string& name) const {
    std::ifstream in(File(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string path_;
};

}  // namespace nba::testing
