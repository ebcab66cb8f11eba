// API keys, JWT, rate limit and CORS, over real HTTP on loopback.
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <ctime>

#include "server/auth.h"
#include "test_http.h"

namespace nba {
namespace {

const char kShopKey[] = "shop-secret-key";
const char kReaderKey[] = "reader-secret-key";
const char kSecret[] = "hs256-test-secret-0123456789abcdef";

std::string Token(const std::string& secret, jwt_alg_t alg, long exp, const char* scope) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grant(jwt, "sub", "alice");
  if (scope != nullptr) jwt_add_grant(jwt, "scope", scope);
  if (exp != 0) jwt_add_grant_int(jwt, "exp", exp);
  jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(secret.data()), static_cast<int>(secret.size()));
  char* s = jwt_encode_str(jwt);
  std::string token = s != nullptr ? s : "";
  free(s);
  jwt_free(jwt);
  return token;
}

ServerConfig AuthConfig() {
  ServerConfig c = TestConfig();
  c.api_keys.push_back({"shop", Sha256Hex(kShopKey), {"ingest", "recommend"}});
  c.api_keys.push_back({"reader", Sha256Hex(kReaderKey), {"recommend"}});
  c.jwt.algorithm = "HS256";
  c.jwt.secret = kSecret;
  c.cors_allowed_origins = {"https://shop.example"};
  return c;
}

class AuthTest : public ::testing::Test {
 protected:
  void StartWith(const ServerConfig& c) {
    ts_ = std::make_unique<TestServer>(c);
    auto who = [](const Request& req) { return Response::Text(200, req.principal->name); };
    ASSERT_TRUE(ts_->service->AddRoute("POST", "/v1/events", Scope::kIngest, who).ok());
    ASSERT_TRUE(ts_->service->AddRoute("GET", "/v1/recs", Scope::kRecommend, who).ok());
    ts_->Start();
    port_ = ts_->port;
  }
  void SetUp() override { StartWith(AuthConfig()); }

  std::unique_ptr<TestServer> ts_;
  int port_ = 0;
};

TEST_F(AuthTest, MissingOrUnknownKeyIs401WithChallenge) {
  HttpReply r = Call(port_, Post("/v1/events", "{}"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["www-authenticate"], "ApiKey realm=\"nba\", Bearer realm=\"nba\"");
  EXPECT_NE(r.body.find("\"code\":\"unauthorized\""), std::string::npos);
  EXPECT_EQ(Call(port_, Post("/v1/events", "{}", "X-API-Key: wrong\r\n")).status, 401);
  EXPECT_EQ(Call(port_, Post("/v1/events", "{}", "Authorization: Basic Zm9vOmJhcg==\r\n")).status, 401);
}

TEST_F(AuthTest, ValidKeyWithoutScopeIs403) {
  HttpReply r = Call(port_, Post("/v1/events", "{}", std::string("X-API-Key: ") + kReaderKey + "\r\n"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"error":{"code":"forbidden","message":"credential 'reader' lacks scope 'ingest'"}})");
  EXPECT_EQ(Call(port_, Get("/v1/recs", std::string("X-API-Key: ") + kReaderKey + "\r\n")).body, "reader");
}

TEST_F(AuthTest, KeyInEitherHeaderIsAccepted) {
  EXPECT_EQ(Call(port_, Post("/v1/events", "{}", std::string("X-API-Key: ") + kShopKey + "\r\n")).body, "shop");
  EXPECT_EQ(Call(port_, Post("/v1/events", "{}", std::string("Authorization: ApiKey ") + kShopKey + "\r\n")).body,
            "shop");
}

TEST_F(AuthTest, PublicRoutesNeedNoCredentials) {
  EXPECT_EQ(Call(port_, Get("/healthz")).status, 200);
  EXPECT_EQ(Call(port_, Get("/metrics")).status, 200);
}

std::string Bearer(const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; }

TEST_F(AuthTest, JwtHs256ValidExpiredAndForged) {
  long future = std::time(nullptr) + 3600;
  HttpReply ok = Call(port_, Get("/v1/recs", Bearer(Token(kSecret, JWT_ALG_HS256, future, "recommend ingest"))));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "jwt:alice");

  HttpReply expired = Call(port_, Get("/v1/recs", Bearer(Token(kSecret, JWT_ALG_HS256, std::time(nullptr) - 60, "recommend"))));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("token expired"), std::string::npos);

  HttpReply forged = Call(port_, Get("/v1/recs", Bearer(Token("another-secret", JWT_ALG_HS256, future, "recommend"))));
  EXPECT_EQ(forged.status, 401);
  EXPECT_NE(forged.body.find("signature"), std::string::npos);

  HttpReply no_exp = Call(port_, Get("/v1/recs", Bearer(Token(kSecret, JWT_ALG_HS256, 0, "recommend"))));
  EXPECT_EQ(no_exp.status, 401);
  EXPECT_NE(no_exp.body.find("no exp"), std::string::npos);

  HttpReply unsigned_token = Call(port_, Get("/v1/recs", Bearer(Token("", JWT_ALG_NONE, future, "recommend"))));
  EXPECT_EQ(unsigned_token.status, 401);

  HttpReply scopeless = Call(port_, Get("/v1/recs", Bearer(Token(kSecret, JWT_ALG_HS256, future, "ingest"))));
  EXPECT_EQ(scopeless.status, 403);
}

// An RSA key pair as PEM strings, generated for the test.
void RsaKeyPair(std::string* private_pem, std::string* public_pem) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  ASSERT_NE(key, nullptr);
  for (bool pub : {false, true}) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (pub) PEM_write_bio_PUBKEY(bio, key);
    else PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    (pub ? public_pem : private_pem)->assign(data, static_cast<size_t>(n));
    BIO_free(bio);
  }
  EVP_PKEY_free(key);
}

TEST_F(AuthTest, JwtRs256VerifiesWithThePublicKey) {
  std::string private_pem, public_pem;
  RsaKeyPair(&private_pem, &public_pem);
  ServerConfig c = AuthConfig();
  c.jwt.algorithm = "RS256";
  c.jwt.public_key_pem = public_pem;
  StartWith(c);
  long future = std::time(nullptr) + 3600;
  EXPECT_EQ(Call(port_, Get("/v1/recs", Bearer(Token(private_pem, JWT_ALG_RS256, future, "recommend")))).status, 200);
  // HS256 signed with the public key as secret: the classic algorithm confusion.
  EXPECT_EQ(Call(port_, Get("/v1/recs", Bearer(Token(public_pem, JWT_ALG_HS256, future, "recommend")))).status, 401);
}

TEST_F(AuthTest, RateLimitAnswers429WithRetryAfterPerKey) {
  ServerConfig c = AuthConfig();
  c.rate_limit.requests_per_second = 0.001;  // no refill within the test
  c.rate_limit.burst = 2;
  StartWith(c);
  std::string shop = std::string("X-API-Key: ") + kShopKey + "\r\n";
  EXPECT_EQ(Call(port_, Get("/v1/recs", shop)).status, 200);
  EXPECT_EQ(Call(port_, Get("/v1/recs", shop)).status, 200);
  HttpReply limited = Call(port_, Get("/v1/recs", shop));
  EXPECT_EQ(limited.status, 429);
  EXPECT_GE(std::atoi(limited.headers["retry-after"].c_str()), 1);
  EXPECT_NE(limited.body.find("\"code\":\"rate_limited\""), std::string::npos);
  EXPECT_EQ(Call(port_, Get("/v1/recs", std::string("X-API-Key: ") + kReaderKey + "\r\n")).status, 200);
}

std::string Preflight(const std::string& origin, const std::string& method) {
  return "OPTIONS /v1/events HTTP/1.1\r\nHost: t\r\nOrigin: " + origin +
         "\r\nAccess-Control-Request-Method: " + method + "\r\nAccess-Control-Request-Headers: x-api-key\r\n\r\n";
}

TEST_F(AuthTest, CorsPreflightForAllowedOrigin) {
  HttpReply r = Call(port_, Preflight("https://shop.example", "POST"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://shop.example");
  EXPECT_EQ(r.headers["access-control-allow-methods"], "POST");
  EXPECT_NE(r.headers["access-control-allow-headers"].find("X-API-Key"), std::string::npos);
}

TEST_F(AuthTest, CorsPreflightDeniedForOtherOriginOrMethod) {
  HttpReply r = Call(port_, Preflight("https://evil.example", "POST"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u);
  EXPECT_NE(r.body.find("\"code\":\"cors_denied\""), std::string::npos);
  EXPECT_EQ(Call(port_, Preflight("https://shop.example", "DELETE")).status, 403);
}

TEST_F(AuthTest, CorsHeadersOnActualRequests) {
  std::string headers = std::string("X-API-Key: ") + kShopKey + "\r\n";
  HttpReply allowed = Call(port_, Get("/v1/recs", headers + "Origin: https://shop.example\r\n"));
  EXPECT_EQ(allowed.headers["access-control-allow-origin"], "https://shop.example");
  HttpReply other = Call(port_, Get("/v1/recs", headers + "Origin: https://evil.example\r\n"));
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.headers.count("access-control-allow-origin"), 0u);
}

TEST(AuthenticatorTest, Sha256HexMatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuthenticatorTest, JwtWithoutKeyMaterialIsRejected) {
  ServerConfig c = TestConfig();
  c.jwt.algorithm = "HS256";
  Authenticator a;
  Status s = Authenticator::Create(c, &a);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("auth.jwt.secret"), std::string::npos);
}

}  // namespace
}  // namespace nba
