#include "server/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace nba {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nba_config_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& text) {
    std::string path = (dir_ / "nba.yaml").string();
    std::ofstream(path) << text;
    return path;
  }
  Status Load(const std::string& text, const std::map<std::string, std::string>& env = {}) {
    return LoadConfig(Write(text), env, &config_);
  }

  std::filesystem::path dir_;
  ServerConfig config_;
};

const char kFull[] = R"(server:
  address: 127.0.0.1
  port: 9090
  threads: 3
  max_body_bytes: 2048
  read_timeout_ms: 500
  access_log: off
data_dir: /var/lib/nba
auth:
  api_keys:
    - name: shop
      sha256: BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD
      scopes: [ingest, recommend]
  jwt:
    algorithm: HS256
    secret: s3cret
rate_limit:
  requests_per_second: 50.5
  burst: 100
cors:
  allowed_origins: [https://a.example, https://b.example]
features:
  model_enabled: false
  fallback_strategy: popular
)";

TEST_F(ConfigTest, LoadsEverySection) {
  Status s = Load(kFull);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.address, "127.0.0.1");
  EXPECT_EQ(config_.port, 9090);
  EXPECT_EQ(config_.threads, 3);
  EXPECT_EQ(config_.max_body_bytes, 2048);
  EXPECT_EQ(config_.read_timeout_ms, 500);
  EXPECT_EQ(config_.write_timeout_ms, 10000);  // default kept
  EXPECT_EQ(config_.access_log, "off");
  EXPECT_EQ(config_.data_dir, "/var/lib/nba");
  ASSERT_EQ(config_.api_keys.size(), 1u);
  EXPECT_EQ(config_.api_keys[0].name, "shop");
  EXPECT_EQ(config_.api_keys[0].sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(config_.api_keys[0].scopes, (std::vector<std::string>{"ingest", "recommend"}));
  EXPECT_EQ(config_.jwt.algorithm, "HS256");
  EXPECT_EQ(config_.jwt.secret, "s3cret");
  EXPECT_DOUBLE_EQ(config_.rate_limit.requests_per_second, 50.5);
  EXPECT_EQ(config_.rate_limit.burst, 100);
  EXPECT_EQ(config_.cors_allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_FALSE(config_.FeatureFlag("model_enabled", true));
  EXPECT_TRUE(config_.FeatureFlag("cache_enabled", true));
  EXPECT_EQ(config_.FeatureString("fallback_strategy", ""), "popular");
  EXPECT_TRUE(ValidateConfig(config_).ok());
}

TEST_F(ConfigTest, UnknownKeyIsNamedWithItsLine) {
  Status s = Load("server:\n  port: 80\n  prot: 81\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nba.yaml:3: server.prot: unknown key"), std::string::npos) << s.message();
  EXPECT_FALSE(Load("sever:\n  port: 80\n").ok());
}

TEST_F(ConfigTest, WrongTypeIsNamed) {
  Status s = Load("server:\n  port: eighty\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("server.port: expected an integer, got 'eighty'"), std::string::npos) << s.message();
  s = Load("server:\n  port: [1, 2]\n");
  EXPECT_NE(s.message().find("server.port: expected a scalar"), std::string::npos) << s.message();
  s = Load("server: 5\n");
  EXPECT_NE(s.message().find("server: expected a mapping"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, OutOfRangeIsNamed) {
  Status s = Load("server:\n  port: 70000\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("server.port: 70000 is out of range [0, 65535]"), std::string::npos) << s.message();
  EXPECT_FALSE(Load("server:\n  read_timeout_ms: 0\n").ok());
}

TEST_F(ConfigTest, BadApiKeysAreNamed) {
  Status s = Load("auth:\n  api_keys:\n    - name: a\n      sha256: xyz\n      scopes: [ingest]\n");
  EXPECT_NE(s.message().find("auth.api_keys[0].sha256: expected 64 hex digits"), std::string::npos) << s.message();
  s = Load("auth:\n  api_keys:\n    - name: a\n      sha256: " + std::string(64, 'a') + "\n      scopes: [root]\n");
  EXPECT_NE(s.message().find("unknown scope 'root'"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, MalformedYamlNamesTheLine) {
  Status s = Load("server:\n  port: 80\n bad indent: [\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nba.yaml:"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  Status s = LoadConfig((dir_ / "absent.yaml").string(), {}, &config_);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("absent.yaml"), std::string::npos);
}

TEST_F(ConfigTest, EnvironmentOverridesYaml) {
  Status s = Load(kFull, {{"NBA_SERVER_PORT", "7070"},
                          {"NBA_AUTH_JWT_SECRET", "from-env"},
                          {"NBA_FEATURES_CACHE_ENABLED", "false"},
                          {"NBA_CORS_ALLOWED_ORIGINS", "https://c.example, https://d.example"},
                          {"NBA_SHARED_DATASETS", "/elsewhere"},  // not ours: ignored
                          {"HOME", "/root"}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config_.port, 7070);
  EXPECT_EQ(config_.jwt.secret, "from-env");
  EXPECT_FALSE(config_.FeatureFlag("cache_enabled", true));
  EXPECT_EQ(config_.cors_allowed_origins, (std::vector<std::string>{"https://c.example", "https://d.example"}));
}

TEST_F(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  Status s = LoadConfig("", {{"NBA_SERVER_PORT", "-1"}}, &config_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("environment NBA_SERVER_PORT: server.port: -1 is out of range"), std::string::npos)
      << s.message();
  s = LoadConfig("", {{"NBA_SERVER_PROT", "80"}}, &config_);
  EXPECT_NE(s.message().find("environment NBA_SERVER_PROT: unknown key"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, ApplyOverrideLayersFlagsLast) {
  ASSERT_TRUE(LoadConfig("", {{"NBA_SERVER_THREADS", "4"}}, &config_).ok());
  ASSERT_TRUE(ApplyOverride("server.threads", "8", &config_).ok());
  EXPECT_EQ(config_.threads, 8);
  ASSERT_TRUE(ApplyOverride("features.filters_enabled", "true", &config_).ok());
  EXPECT_TRUE(config_.FeatureFlag("filters_enabled", false));
  Status s = ApplyOverride("server.nope", "1", &config_);
  EXPECT_EQ(s.message(), "server.nope: unknown key");
  s = ApplyOverride("rate_limit.requests_per_second", "fast", &config_);
  EXPECT_NE(s.message().find("rate_limit.requests_per_second: expected a number"), std::string::npos);
  s = ApplyOverride("auth.jwt.algorithm", "HS512", &config_);
  EXPECT_NE(s.message().find("auth.jwt.algorithm: expected HS256 or RS256"), std::string::npos);
}

TEST_F(ConfigTest, PublicKeyFileIsRead) {
  std::string pem = (dir_ / "key.pem").string();
  std::ofstream(pem) << "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n";
  ASSERT_TRUE(ApplyOverride("auth.jwt.public_key_file", pem, &config_).ok());
  EXPECT_NE(config_.jwt.public_key_pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  Status s = ApplyOverride("auth.jwt.public_key_file", (dir_ / "none.pem").string(), &config_);
  EXPECT_NE(s.message().find("auth.jwt.public_key_file: cannot read"), std::string::npos);
}

TEST_F(ConfigTest, ValidateChecksAcrossKeys) {
  ServerConfig c;
  c.jwt.algorithm = "RS256";
  EXPECT_NE(ValidateConfig(c).message().find("auth.jwt.public_key"), std::string::npos);
  c = ServerConfig();
  c.rate_limit.requests_per_second = 10;
  EXPECT_NE(ValidateConfig(c).message().find("rate_limit.burst"), std::string::npos);
  c = ServerConfig();
  c.api_keys = {{"a", std::string(64, 'a'), {"ingest"}}, {"a", std::string(64, 'b'), {"ingest"}}};
  EXPECT_NE(ValidateConfig(c).message().find("auth.api_keys[1].name: duplicate name 'a'"), std::string::npos);
}

}  // namespace
}  // namespace nba

namespace nba {
namespace {

TEST(ConfigEventTypesTest, ExtraEventNamesMapToStoredKinds) {
  ServerConfig c;
  ASSERT_TRUE(ApplyOverride("serving.event_types", "wishlist=interaction, impression=view", &c).ok());
  ASSERT_EQ(c.serving.extra_event_types.size(), 2u);
  EXPECT_EQ(c.serving.extra_event_types[0], (std::pair<std::string, std::string>{"wishlist", "interaction"}));
  Status s = ApplyOverride("serving.event_types", "wishlist=like", &c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("serving.event_types"), std::string::npos);
  EXPECT_NE(s.message().find("wishlist=like"), std::string::npos);
  EXPECT_FALSE(ApplyOverride("serving.event_types", "=view", &c).ok());
}

}  // namespace
}  // namespace nba
