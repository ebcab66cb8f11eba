#include "registry/safetensors.h"

#include <cstdlib>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

#include "registry/file_util.h"
#include "temp_dir.h"

namespace nba {
namespace {

using testing::TempDir;

Tensor Make(std::vector<int64_t> shape, std::vector<float> data) { return Tensor{std::move(shape), std::move(data)}; }

// The tensors the Python interop script expects.
TensorMap Sample() {
  return {{"a", Make({2, 3}, {0, 0.5, 1, 1.5, 2, 2.5})},
          {"b", Make({4}, {-1, 0, 1e-3f, 3.4e38f})},
          {"empty", Make({0, 3}, {})},
          {"scalar", Make({}, {7.25f})}};
}

// A file made of a given header and data, with the header length in front
// (or `declared_len` when set, to lie about it).
std::string Raw(const std::string& header, const std::string& data, int64_t declared_len = -1) {
  uint64_t len = declared_len < 0 ? header.size() : static_cast<uint64_t>(declared_len);
  std::string file(reinterpret_cast<const char*>(&len), 8);
  return file + header + data;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(SafetensorsTest, RoundTripsTensorsAndMetadata) {
  TempDir tmp;
  const std::string path = tmp / "w.safetensors";
  std::map<std::string, std::string> meta = {{"producer", "nba"}, {"note", "\u00fc"}};
  ASSERT_TRUE(WriteSafetensors(path, Sample(), meta).ok());

  TensorMap got;
  std::map<std::string, std::string> got_meta;
  Status s = ReadSafetensors(path, &got, &got_meta);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(got.size(), 4u);
  for (const auto& [name, t] : Sample()) {
    EXPECT_EQ(got[name].shape, t.shape) << name;
    EXPECT_EQ(got[name].data, t.data) << name;
  }
  EXPECT_EQ(got_meta, meta);
}

TEST(SafetensorsTest, LayoutIsAlignedAndContiguous) {
  TempDir tmp;
  const std::string path = tmp / "w.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, Sample(), {{"k", "v"}}).ok());
  std::string file;
  ASSERT_TRUE(ReadFileToString(path, &file).ok());
  uint64_t header_len;
  std::memcpy(&header_len, file.data(), 8);
  EXPECT_EQ(header_len % 8, 0u);
  EXPECT_EQ(file[8], '{');
  EXPECT_EQ(file.size(), 8 + header_len + (6 + 4 + 0 + 1) * sizeof(float));
  // No temp file is left beside the result.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 1);
}

TEST(SafetensorsTest, EmptyMapAndNoMetadata) {
  TempDir tmp;
  const std::string path = tmp / "empty.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, {}, {}).ok());
  std::string file;
  ASSERT_TRUE(ReadFileToString(path, &file).ok());
  EXPECT_EQ(file.substr(8), "{}      ");

  TensorMap got = {{"stale", Make({1}, {1})}};
  std::map<std::string, std::string> meta = {{"stale", "x"}};
  ASSERT_TRUE(ReadSafetensors(path, &got, &meta).ok());
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(meta.empty());
}

TEST(SafetensorsTest, OverwritesAnExistingFile) {
  TempDir tmp;
  const std::string path = tmp / "w.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, Sample(), {}).ok());
  ASSERT_TRUE(WriteSafetensors(path, {{"only", Make({1}, {2})}}, {}).ok());
  TensorMap got;
  ASSERT_TRUE(ReadSafetensors(path, &got, nullptr).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got["only"].data, std::vector<float>{2});
}

TEST(SafetensorsTest, WriteRejectsInvalidTensors) {
  TempDir tmp;
  const std::string path = tmp / "w.safetensors";
  Status s = WriteSafetensors(path, {{"w", Make({2, 2}, {1, 2, 3})}}, {});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("\"w\""), std::string::npos) << s.message();
  EXPECT_EQ(WriteSafetensors(path, {{"w", Make({-1}, {})}}, {}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(WriteSafetensors(path, {{"__metadata__", Make({1}, {1})}}, {}).code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SafetensorsTest, MissingFileIsNotFound) {
  TempDir tmp;
  TensorMap got;
  Status s = ReadSafetensors(tmp / "nope.safetensors", &got, nullptr);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("nope.safetensors"), std::string::npos);
}

struct CorruptCase {
  const char* name;
  std::string file;
  const char* reason;  // a fragment the error message must contain
};

class SafetensorsCorruptionTest : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(SafetensorsCorruptionTest, IsCorruptionNamingFileAndProblem) {
  TempDir tmp;
  const std::string path = tmp / "bad.safetensors";
  WriteBytes(path, GetParam().file);
  TensorMap got = {{"untouched", Make({1}, {1})}};
  Status s = ReadSafetensors(path, &got, nullptr);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(GetParam().reason), std::string::npos) << s.message();
  EXPECT_EQ(got.count("untouched"), 1u) << "output changed on error";
}

const std::string kFloats8(8 * sizeof(float), '\0');

std::string Entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SafetensorsCorruptionTest,
    ::testing::Values(
        CorruptCase{"ShorterThanLength", "abc", "truncated"},
        CorruptCase{"LengthBeyondFile", Raw("{}", "", 1000), "runs past the end"},
        CorruptCase{"BadJson", Raw("{\"a\":", ""), "not valid JSON"},
        CorruptCase{"NotAnObject", Raw("[1,2]", ""), "not a JSON object"},
        CorruptCase{"UnknownDtype", Raw("{" + Entry("a", "X9", "[2]", "[0,8]") + "}", kFloats8.substr(0, 8)),
                    "dtype \"X9\""},
        CorruptCase{"MissingDtype", Raw("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "abcd"), "missing dtype"},
        CorruptCase{"NegativeDim", Raw("{" + Entry("a", "F32", "[-1]", "[0,4]") + "}", "abcd"), "non-negative"},
        CorruptCase{"OffsetsOutOfRange", Raw("{" + Entry("a", "F32", "[4]", "[0,16]") + "}", "abcd"),
                    "outside the 4-byte data buffer"},
        CorruptCase{"OffsetsReversed", Raw("{" + Entry("a", "F32", "[0]", "[4,0]") + "}", "abcd"), "outside"},
        CorruptCase{"SizeMismatch", Raw("{" + Entry("a", "F32", "[3]", "[0,8]") + "}", kFloats8.substr(0, 8)),
                    "needs 12"},
        CorruptCase{"Overlap",
                    Raw("{" + Entry("a", "F32", "[4]", "[0,16]") + "," + Entry("b", "F32", "[4]", "[8,24]") + "}",
                        kFloats8.substr(0, 24)),
                    "overlap"},
        CorruptCase{"Gap", Raw("{" + Entry("a", "F32", "[1]", "[4,8]") + "}", kFloats8.substr(0, 8)),
                    "belong to no tensor"},
        CorruptCase{"TrailingBytes", Raw("{" + Entry("a", "F32", "[1]", "[0,4]") + "}", kFloats8.substr(0, 8)),
                    "after the last tensor"},
        CorruptCase{"MetadataNotString", Raw("{\"__metadata__\":{\"k\":1}}", ""), "__metadata__ \"k\""},
        CorruptCase{"ShapeOverflow",
                    Raw("{" + Entry("a", "F32", "[4294967296,4294967296]", "[0,4]") + "}", "abcd"), "overflows"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SafetensorsTest, TruncatedDataIsCorruption) {
  TempDir tmp;
  const std::string path = tmp / "w.safetensors";
  ASSERT_TRUE(WriteSafetensors(path, Sample(), {}).ok());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);
  TensorMap got;
  Status s = ReadSafetensors(path, &got, nullptr);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

// Python's safetensors reads what we write, and we read what it writes.
TEST(SafetensorsTest, InteroperatesWithPythonSafetensors) {
  if (std::system("python3 -c 'import safetensors, numpy' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3 with safetensors and numpy not available (pip install safetensors numpy)";
  TempDir tmp;
  const std::string ours = tmp / "ours.safetensors";
  const std::string theirs = tmp / "theirs.safetensors";
  ASSERT_TRUE(WriteSafetensors(ours, Sample(), {{"producer", "nba"}, {"note", "\u00fc"}}).ok());
  const std::string cmd = std::string("python3 '") + NBA_SOURCE_DIR + "/tests/registry/safetensors_interop.py' '" +
                          ours + "' '" + theirs + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "Python could not read our file: " << cmd;

  TensorMap got;
  std::map<std::string, std::string> meta;
  Status s = ReadSafetensors(theirs, &got, &meta);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(meta, (std::map<std::string, std::string>{{"written_by", "python"}}));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got["x"].shape, (std::vector<int64_t>{3, 4}));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(got["x"].data[i], i / 4.0f);
  EXPECT_EQ(got["y"].shape, std::vector<int64_t>{1});
  EXPECT_EQ(got["y"].data, std::vector<float>{1.5f});
}

}  // namespace
}  // namespace nba
