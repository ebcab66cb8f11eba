#include "registry/artefact.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "registry/file_util.h"
#include "registry/safetensors.h"
#include "registry/sha256.h"
#include "registry/timestamp.h"

namespace nba {

namespace {

namespace fs = std::filesystem;

constexpr const char* kFiles[] = {"config.json", "weights.safetensors", "items.txt", "metrics.json", "data.json"};
constexpr char kManifest[] = "manifest.json";

std::string Join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

Status WriteJson(const std::string& path, const nlohmann::json& j) {
  std::string text;
  try {
    text = j.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(path + ": cannot serialise: " + e.what());
  }
  return WriteFileAtomic(path, text);
}

Status ReadJson(const std::string& path, nlohmann::json* out) {
  std::string text;
  NBA_RETURN_IF_ERROR(ReadFileToString(path, &text));
  *out = nlohmann::json::parse(text, nullptr, false);
  if (out->is_discarded()) return Status::Corruption(path + ": not valid JSON");
  return Status::Ok();
}

// Writes every file of `a` and the manifest into the (private) directory `dir`.
Status WriteFiles(const std::string& dir, const Artefact& a) {
  NBA_RETURN_IF_ERROR(WriteJson(Join(dir, "config.json"), a.config));
  NBA_RETURN_IF_ERROR(WriteSafetensors(Join(dir, "weights.safetensors"), a.weights, {}));
  NBA_RETURN_IF_ERROR(a.items.Save(Join(dir, "items.txt")));
  NBA_RETURN_IF_ERROR(SyncPath(Join(dir, "items.txt")));
  NBA_RETURN_IF_ERROR(WriteJson(Join(dir, "metrics.json"), a.metrics));
  NBA_RETURN_IF_ERROR(WriteJson(Join(dir, "data.json"), a.data));
  nlohmann::json files = nlohmann::json::object();
  for (const char* name : kFiles) {
    std::string hex;
    NBA_RETURN_IF_ERROR(Sha256File(Join(dir, name), &hex));
    files[name] = hex;
  }
  NBA_RETURN_IF_ERROR(WriteJson(Join(dir, kManifest), {{"created", UtcTimestampNow()}, {"files", files}}));
  return SyncPath(dir);
}

Status ReadManifest(const std::string& dir, nlohmann::json* manifest) {
  const std::string path = Join(dir, kManifest);
  NBA_RETURN_IF_ERROR(ReadJson(path, manifest));
  if (!manifest->is_object() || !manifest->contains("files") || !(*manifest)["files"].is_object() ||
      !manifest->contains("created") || !(*manifest)["created"].is_string())
    return Status::Corruption(path + ": expected {\"created\": string, \"files\": {name: sha256}}");
  return Status::Ok();
}

// Checks that file `name` of the artefact still has the manifest's checksum.
Status Verify(const std::string& dir, const nlohmann::json& manifest, const std::string& name) {
  const nlohmann::json& files = manifest.at("files");
  auto it = files.find(name);
  if (it == files.end() || !it->is_string())
    return Status::Corruption(Join(dir, kManifest) + ": no sha256 for " + name);
  const std::string path = Join(dir, name);
  std::string hex;
  NBA_RETURN_IF_ERROR(Sha256File(path, &hex));
  if (hex != it->get<std::string>())
    return Status::Corruption(path + ": sha256 differs from manifest.json (file changed or damaged)");
  return Status::Ok();
}

}  // namespace

Status SaveArtefact(const std::string& dir_arg, const Artefact& a) {
  std::string dir = dir_arg;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::error_code ec;
  if (fs::exists(dir, ec)) return Status::InvalidArgument(dir + ": already exists; artefacts are never overwritten");
  const std::string parent = ParentDir(dir);
  fs::create_directories(parent, ec);
  if (ec) return Status::IOError(parent + ": cannot create: " + ec.message());

  // Built under a temporary name beside `dir`, then renamed into place whole.
  std::string tmp = dir + ".tmp-XXXXXX";
  if (::mkdtemp(tmp.data()) == nullptr) return Status::IOError(tmp + ": cannot create: " + std::strerror(errno));
  Status s = ::chmod(tmp.c_str(), 0755) == 0 ? WriteFiles(tmp, a)
                                              : Status::IOError(tmp + ": chmod failed: " + std::strerror(errno));
  if (s.ok() && ::rename(tmp.c_str(), dir.c_str()) != 0) {
    s = (errno == EEXIST || errno == ENOTEMPTY)
            ? Status::InvalidArgument(dir + ": already exists; artefacts are never overwritten")
            : Status::IOError(dir + ": rename from " + tmp + " failed: " + std::strerror(errno));
  }
  if (!s.ok()) {
    fs::remove_all(tmp, ec);
    return s;
  }
  return SyncPath(parent);
}

Status LoadArtefact(const std::string& dir, Artefact* out) {
  nlohmann::json manifest;
  NBA_RETURN_IF_ERROR(ReadManifest(dir, &manifest));
  for (const char* name : kFiles) NBA_RETURN_IF_ERROR(Verify(dir, manifest, name));
  Artefact a;
  NBA_RETURN_IF_ERROR(ReadJson(Join(dir, "config.json"), &a.config));
  NBA_RETURN_IF_ERROR(ReadSafetensors(Join(dir, "weights.safetensors"), &a.weights, nullptr));
  NBA_RETURN_IF_ERROR(IdMap::Load(Join(dir, "items.txt"), 1, &a.items));
  NBA_RETURN_IF_ERROR(ReadJson(Join(dir, "metrics.json"), &a.metrics));
  NBA_RETURN_IF_ERROR(ReadJson(Join(dir, "data.json"), &a.data));
  *out = std::move(a);
  return Status::Ok();
}

Status ReadArtefactSummary(const std::string& dir, ArtefactSummary* out) {
  nlohmann::json manifest;
  NBA_RETURN_IF_ERROR(ReadManifest(dir, &manifest));
  NBA_RETURN_IF_ERROR(Verify(dir, manifest, "metrics.json"));
  NBA_RETURN_IF_ERROR(ReadJson(Join(dir, "metrics.json"), &out->metrics));
  out->created = manifest.at("created").get<std::string>();
  return Status::Ok();
}

nlohmann::json DataFingerprint(const std::string& sha256, const Dataset& data) {
  return {{"sha256", sha256}, {"users", data.num_users()}, {"items", data.num_items()}, {"events", data.num_events()}};
}

}  // namespace nba
