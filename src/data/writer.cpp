#include "data/writer.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace nba {

Status WriteTsv(const Dataset& data, const std::string& path) {
  // "T" makes zlib write plain bytes through the same gz* calls.
  const char* mode = path.ends_with(".gz") ? "wb6" : "wbT";
  gzFile file = gzopen(path.c_str(), mode);
  if (file == nullptr) return Status::IOError(path + ": cannot open for writing: " + std::strerror(errno));
  gzbuffer(file, 1 << 18);
  std::string buf = "user_id\titem_id\tts\tevent\n";
  bool ok = true;
  for (uint32_t user = 0; user < data.num_users() && ok; ++user) {
    for (const Interaction& e : data.sequences[user]) {
      buf += data.users.External(user);
      buf += '\t';
      buf += data.items.External(e.item);
      buf += '\t';
      buf += std::to_string(e.ts);
      buf += '\t';
      buf += EventTypeName(e.type);
      buf += '\n';
    }
    if (buf.size() >= (1 << 16)) {
      ok = gzwrite(file, buf.data(), buf.size()) == static_cast<int>(buf.size());
      buf.clear();
    }
  }
  if (ok && !buf.empty()) ok = gzwrite(file, buf.data(), buf.size()) == static_cast<int>(buf.size());
  if (gzclose(file) != Z_OK || !ok) return Status::IOError(path + ": write failed");
  return Status::Ok();
}

}  // namespace nba
