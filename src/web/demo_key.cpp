#include "web/demo_key.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace nba {

namespace {

constexpr size_t kKeyHexDigits = 32;

bool IsKey(const std::string& s) {
  if (s.size() != kKeyHexDigits) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Status NewApiKey(std::string* key) {
  unsigned char bytes[kKeyHexDigits / 2];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return Status::IOError("no random bytes for an API key");
  static const char kHex[] = "0123456789abcdef";
  key->clear();
  for (unsigned char b : bytes) {
    key->push_back(kHex[b >> 4]);
    key->push_back(kHex[b & 15]);
  }
  return Status::Ok();
}

Status LoadOrCreateDemoKey(const std::string& path, std::string* key) {
  std::ifstream in(path);
  if (in) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!IsKey(text)) return Status::Corruption(path + ": expected a demo key of 32 lower-case hex digits");
    *key = text;
    return Status::Ok();
  }
  std::string made;
  if (!NewApiKey(&made).ok()) return Status::IOError(path + ": no random bytes for a demo key");
  // O_EXCL: two servers starting on one data dir must not hand out different keys.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return LoadOrCreateDemoKey(path, key);
    return Status::IOError(path + ": cannot create: " + std::strerror(errno));
  }
  const std::string line = made + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!written) {
    unlink(path.c_str());
    return Status::IOError(path + ": cannot write: " + std::strerror(saved));
  }
  *key = made;
  return Status::Ok();
}

}  // namespace nba
