#include "registry/registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "registry/file_util.h"
#include "registry/timestamp.h"

namespace nba {

namespace {

namespace fs = std::filesystem;

// Holds an exclusive flock on a file until destroyed. flock locks belong to an
// open file description, so this excludes other threads as well as processes.
class FileLock {
 public:
  FileLock() = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

  Status Lock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::IOError(path + ": cannot open lock file: " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return Status::IOError(path + ": flock failed: " + std::strerror(errno));
    }
    return Status::Ok();
  }

 private:
  int fd_ = -1;
};

// "3" and "0003" both name version 3.
bool ParseVersion(const std::string& s, uint64_t* n) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  *n = std::stoull(s);
  return *n >= 1;
}

std::string FormatVersion(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%04llu", static_cast<unsigned long long>(n));
  return buf;
}

// Version numbers present under <dir>/versions, ascending. Leftover temporary
// folders of an interrupted save do not parse as versions and are ignored.
std::vector<uint64_t> ScanVersions(const std::string& dir) {
  std::vector<uint64_t> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "versions", ec)) {
    uint64_t n;
    if (entry.is_directory(ec) && ParseVersion(entry.path().filename().string(), &n)) versions.push_back(n);
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

std::string VersionOf(const std::string& history_line) { return history_line.substr(0, history_line.find(' ')); }

// Full-ranking test NDCG@10 where the metrics keep it: `nba train` writes
// test.full; the shorter forms suit hand-made or imported models.
std::optional<double> NdcgAt10(const nlohmann::json& metrics) {
  for (const char* where : {"/test/full/ndcg@10", "/test/ndcg@10", "/ndcg@10"}) {
    const nlohmann::json::json_pointer ptr(where);
    if (metrics.contains(ptr) && metrics.at(ptr).is_number()) return metrics.at(ptr).get<double>();
  }
  return std::nullopt;
}

}  // namespace

Status ModelRegistry::Open(const std::string& dir, std::unique_ptr<ModelRegistry>* out, bool create_if_missing) {
  std::error_code ec;
  if (!create_if_missing && !fs::is_directory(dir, ec)) return Status::NotFound(dir + ": no model registry here");
  fs::create_directories(fs::path(dir) / "versions", ec);
  if (ec) return Status::IOError(dir + ": cannot create registry: " + ec.message());
  out->reset(new ModelRegistry(dir));
  return Status::Ok();
}

std::string ModelRegistry::VersionDir(const std::string& version) const {
  return (fs::path(dir_) / "versions" / version).string();
}

Status ModelRegistry::ReadHistory(std::vector<std::string>* lines) const {
  lines->clear();
  std::string text;
  Status s = ReadFileToString((fs::path(dir_) / "history").string(), &text);
  if (s.code() == Status::Code::kNotFound) return Status::Ok();
  NBA_RETURN_IF_ERROR(s);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines->push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return Status::Ok();
}

Status ModelRegistry::SetProduction(const std::vector<std::string>& history) {
  std::string text;
  for (const std::string& line : history) text += line + "\n";
  NBA_RETURN_IF_ERROR(WriteFileAtomic((fs::path(dir_) / "history").string(), text));
  return WriteFileAtomic((fs::path(dir_) / "production").string(), VersionOf(history.back()) + "\n");
}

Status ModelRegistry::Register(const Artefact& a, std::string* version) {
  FileLock lock;
  NBA_RETURN_IF_ERROR(lock.Lock((fs::path(dir_) / "LOCK").string()));
  std::vector<uint64_t> versions = ScanVersions(dir_);
  const std::string v = FormatVersion(versions.empty() ? 1 : versions.back() + 1);
  NBA_RETURN_IF_ERROR(SaveArtefact(VersionDir(v), a));
  std::string current;
  Status s = Production(&current);
  if (s.code() == Status::Code::kNotFound) {
    std::vector<std::string> history;
    NBA_RETURN_IF_ERROR(ReadHistory(&history));
    history.push_back(v + " " + UtcTimestampNow());
    NBA_RETURN_IF_ERROR(SetProduction(history));
  } else if (!s.ok()) {
    return s;
  }
  *version = v;
  return Status::Ok();
}

Status ModelRegistry::List(std::vector<VersionInfo>* out) const {
  out->clear();
  std::string production;
  Status s = Production(&production);
  if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
  for (uint64_t n : ScanVersions(dir_)) {
    VersionInfo info;
    info.version = FormatVersion(n);
    info.production = info.version == production;
    ArtefactSummary summary;
    info.status = ReadArtefactSummary(VersionDir(info.version), &summary);
    if (info.status.ok()) {
      info.created = summary.created;
      info.ndcg_at_10 = NdcgAt10(summary.metrics);
    }
    out->push_back(std::move(info));
  }
  return Status::Ok();
}

Status ModelRegistry::Promote(const std::string& version) {
  uint64_t n;
  if (!ParseVersion(version, &n)) return Status::InvalidArgument("\"" + version + "\" is not a version number");
  const std::string v = FormatVersion(n);
  FileLock lock;
  NBA_RETURN_IF_ERROR(lock.Lock((fs::path(dir_) / "LOCK").string()));
  std::error_code ec;
  if (!fs::is_directory(VersionDir(v), ec)) return Status::NotFound(dir_ + ": no version " + v);
  std::string current;
  Status s = Production(&current);
  if (s.ok() && current == v) return Status::Ok();
  if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
  Artefact a;
  NBA_RETURN_IF_ERROR(LoadArtefact(VersionDir(v), &a));
  std::vector<std::string> history;
  NBA_RETURN_IF_ERROR(ReadHistory(&history));
  history.push_back(v + " " + UtcTimestampNow());
  return SetProduction(history);
}

Status ModelRegistry::Rollback(std::string* version) {
  FileLock lock;
  NBA_RETURN_IF_ERROR(lock.Lock((fs::path(dir_) / "LOCK").string()));
  std::vector<std::string> history;
  NBA_RETURN_IF_ERROR(ReadHistory(&history));
  if (history.size() < 2) return Status::NotFound(dir_ + ": no earlier promotion to roll back to");
  history.pop_back();
  const std::string v = VersionOf(history.back());
  Artefact a;
  NBA_RETURN_IF_ERROR(LoadArtefact(VersionDir(v), &a));
  NBA_RETURN_IF_ERROR(SetProduction(history));
  *version = v;
  return Status::Ok();
}

Status ModelRegistry::Production(std::string* version) const {
  std::string text;
  Status s = ReadFileToString((fs::path(dir_) / "production").string(), &text);
  if (s.code() == Status::Code::kNotFound) return Status::NotFound(dir_ + ": no production model yet");
  NBA_RETURN_IF_ERROR(s);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  uint64_t n;
  if (!ParseVersion(text, &n)) return Status::Corruption(dir_ + "/production: \"" + text + "\" is not a version");
  *version = FormatVersion(n);
  return Status::Ok();
}

Status ModelRegistry::ProductionDir(std::string* dir) const {
  std::string version;
  NBA_RETURN_IF_ERROR(Production(&version));
  *dir = VersionDir(version);
  return Status::Ok();
}

Status ModelRegistry::Load(const std::string& version, Artefact* out) const {
  uint64_t n;
  if (!ParseVersion(version, &n)) return Status::InvalidArgument("\"" + version + "\" is not a version number");
  return LoadArtefact(VersionDir(FormatVersion(n)), out);
}

}  // namespace nba
