#include "web/demo_key.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace nba {
namespace {

namespace fs = std::filesystem;

class DemoKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nba_demo_key_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DemoKeyTest, CreatesAPrivateKeyOnceAndKeepsIt) {
  const std::string path = (dir_ / "demo.key").string();
  std::string first, second;
  ASSERT_TRUE(LoadOrCreateDemoKey(path, &first).ok());
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(LoadOrCreateDemoKey(path, &second).ok());
  EXPECT_EQ(second, first);

  std::string other;
  ASSERT_TRUE(LoadOrCreateDemoKey((dir_ / "other.key").string(), &other).ok());
  EXPECT_NE(other, first);
}

TEST_F(DemoKeyTest, RefusesAFileThatHoldsNoKey) {
  const std::string path = (dir_ / "demo.key").string();
  std::ofstream(path) << "not a key\n";
  std::string key;
  Status s = LoadOrCreateDemoKey(path, &key);
  EXPECT_TRUE(s.code() == Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos);
}

TEST_F(DemoKeyTest, NamesTheFileItCannotCreate) {
  const std::string path = (dir_ / "missing" / "demo.key").string();
  std::string key;
  Status s = LoadOrCreateDemoKey(path, &key);
  EXPECT_TRUE(s.code() == Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos);
}

}  // namespace
}  // namespace nba
