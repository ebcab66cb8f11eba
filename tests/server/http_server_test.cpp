// The transport and the request pipeline over real HTTP on loopback.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "test_http.h"

namespace nba {
namespace {

Response Echo(const Request& req) {
  std::string body = std::string(req.method) + " " + req.path;
  for (const auto& [k, v] : req.path_params) body += " path:" + k + "=" + v;
  for (const auto& [k, v] : req.query) body += " query:" + k + "=" + v;
  if (!req.body.empty()) body += " body:" + std::string(req.body);
  return Response::Text(200, body);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartWith(ServerConfig config) {
    ts_ = std::make_unique<TestServer>(config);
    ASSERT_TRUE(ts_->service->AddRoute("GET", "/items", Scope::kNone, Echo).ok());
    ASSERT_TRUE(ts_->service->AddRoute("POST", "/items", Scope::kNone, Echo).ok());
    ASSERT_TRUE(ts_->service->AddRoute("GET", "/users/{user}/items/{item}", Scope::kNone, Echo).ok());
    ASSERT_TRUE(ts_->service
                    ->AddRoute("GET", "/boom", Scope::kNone,
                               [](const Request&) -> Response { throw std::runtime_error("disk on fire"); })
                    .ok());
    ts_->Start();
    port_ = ts_->port;
  }
  void SetUp() override { StartWith(TestConfig()); }

  std::unique_ptr<TestServer> ts_;
  int port_ = 0;
};

TEST_F(HttpServerTest, UnknownRouteIs404WithJsonError) {
  HttpReply r = Call(port_, Get("/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no route for /nope"}})");
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  HttpReply r = Call(port_, "DELETE /items HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, POST");
  EXPECT_NE(r.body.find("\"code\":\"method_not_allowed\""), std::string::npos);
}

TEST_F(HttpServerTest, PathParamsAndQueryArePercentDecoded) {
  HttpReply r = Call(port_, Get("/users/a%2Fb/items/x%20y?q=hello%20world&tag=c+d&flag&empty="));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "GET /users/a%2Fb/items/x%20y path:user=a/b path:item=x y query:q=hello world query:tag=c d "
            "query:flag= query:empty=");
}

TEST_F(HttpServerTest, BadPercentEncodingIs400NamingTheField) {
  HttpReply r = Call(port_, Get("/items?q=%zz"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"field\":\"query\""), std::string::npos);
}

TEST_F(HttpServerTest, PostBodyReachesHandler) {
  HttpReply r = Call(port_, Post("/items", "hello"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /items body:hello");
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  HttpReply r = Call(port_, Get("/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("disk on fire"), std::string::npos);
}

TEST_F(HttpServerTest, MalformedRequestLineIs400AndCloses) {
  TestConnection c(port_);
  c.Send("THIS IS NOT HTTP\r\n\r\n");
  HttpReply r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"code\":\"bad_request\""), std::string::npos);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.PeerClosed());
}

TEST_F(HttpServerTest, SeveralRequestsShareOneConnection) {
  TestConnection c(port_);
  for (int i = 0; i < 3; ++i) {
    c.Send(Get("/items?i=" + std::to_string(i)));
    HttpReply r;
    ASSERT_TRUE(c.Read(&r)) << "request " << i;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET /items query:i=" + std::to_string(i));
    EXPECT_EQ(r.headers.count("connection"), 0u);
  }
  // Pipelined: two requests in one write, two answers in order.
  c.Send(Get("/items?i=a") + Get("/nope"));
  HttpReply a, b;
  ASSERT_TRUE(c.Read(&a));
  ASSERT_TRUE(c.Read(&b));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(b.status, 404);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  TestConnection c(port_);
  c.Send(Get("/items", "Connection: close\r\n"));
  HttpReply r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.PeerClosed());
}

TEST_F(HttpServerTest, HealthzAndMetrics) {
  EXPECT_EQ(Call(port_, Get("/healthz")).status, 200);
  Call(port_, Get("/items"));
  Call(port_, Get("/items"));
  Call(port_, Get("/nope"));
  HttpReply m = Call(port_, Get("/metrics"));
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("nba_http_requests_total{method=\"GET\",route=\"/items\",status=\"200\"} 2\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("nba_http_requests_total{method=\"-\",route=\"unmatched\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(m.body.find("nba_http_request_duration_seconds_count{method=\"GET\",route=\"/items\"} 2\n"),
            std::string::npos);
  EXPECT_NE(m.body.find("# TYPE nba_http_request_duration_seconds histogram\n"), std::string::npos);
}

TEST_F(HttpServerTest, ReadyzNamesFailingChecksUntilTheyPass) {
  std::atomic<bool> loaded{false};
  ts_->service->readiness().AddCheck("model", [&] {
    return loaded ? Status::Ok() : Status::Unavailable("not loaded");
  });
  ts_->service->readiness().AddCheck("event_log", [] { return Status::Ok(); });
  HttpReply r = Call(port_, Get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_ready","message":"model: not loaded"}})");
  loaded = true;
  EXPECT_EQ(Call(port_, Get("/readyz")).status, 200);
}

TEST_F(HttpServerTest, TraceparentGivesRequestIdAndIsEchoed) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  HttpReply r = Call(port_, Get("/items", "traceparent: " + tp + "\r\n"));
  EXPECT_EQ(r.headers["traceparent"], tp);
  EXPECT_EQ(r.headers["x-request-id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  HttpReply plain = Call(port_, Get("/items", "traceparent: garbage\r\n"));
  EXPECT_EQ(plain.headers.count("traceparent"), 0u);
  EXPECT_EQ(plain.headers["x-request-id"].size(), 32u);
}

class LimitsTest : public HttpServerTest {
 protected:
  void SetUp() override {
    ServerConfig c = TestConfig();
    c.max_body_bytes = 16;
    c.max_header_bytes = 1024;
    StartWith(c);
  }
};

TEST_F(LimitsTest, BodyOverLimitIs413) {
  TestConnection c(port_);
  c.Send(Post("/items", std::string(100000, 'x')));
  HttpReply r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("\"code\":\"payload_too_large\""), std::string::npos);
  EXPECT_TRUE(c.PeerClosed());
  EXPECT_EQ(Call(port_, Post("/items", std::string(16, 'y'))).status, 200);
}

TEST_F(LimitsTest, HeadersOverLimitAre431) {
  HttpReply r = Call(port_, Get("/items", "X-Big: " + std::string(4000, 'h') + "\r\n"));
  EXPECT_EQ(r.status, 431);
}

TEST(AccessLogTest, OneJsonLinePerRequest) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("nba_access_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  ServerConfig c = TestConfig();
  c.access_log = (dir / "access.log").string();
  {
    TestServer ts(c);
    ASSERT_TRUE(ts.service->AddRoute("GET", "/items/{id}", Scope::kNone, Echo).ok());
    ts.Start();
    Call(ts.port, Get("/items/7", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"));
  }
  std::ifstream in(dir / "access.log");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"request_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"method\":\"GET\",\"route\":\"/items/{id}\",\"path\":\"/items/7\",\"status\":200"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"duration_ms\":"), std::string::npos);
  EXPECT_NE(line.find("\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos);
  EXPECT_FALSE(std::getline(in, line));
  std::filesystem::remove_all(dir);
}

TEST(AccessLogTest, UnwritablePathFailsCreate) {
  ServerConfig c = TestConfig();
  c.access_log = "/nonexistent-dir/access.log";
  std::unique_ptr<HttpService> service;
  Status s = HttpService::Create(c, &service);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("server.access_log"), std::string::npos);
}

TEST(HttpServerStartTest, PortInUseIsAnError) {
  TestServer a(TestConfig());
  a.Start();
  ServerConfig c = TestConfig();
  c.port = a.port;
  std::unique_ptr<HttpService> service;
  ASSERT_TRUE(HttpService::Create(c, &service).ok());
  HttpServer b(c, service.get());
  Status s = b.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot listen on 127.0.0.1:" + std::to_string(a.port)), std::string::npos);
}

// A slow request in flight during shutdown completes; new connections are
// refused; idle keep-alive connections are closed; then the hook runs.
TEST(GracefulShutdownTest, InFlightRequestCompletesThenHookRuns) {
  TestServer ts(TestConfig());
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> slow_done{false};
  ASSERT_TRUE(ts.service
                  ->AddRoute("GET", "/slow", Scope::kNone,
                             [&](const Request&) {
                               entered.set_value();
                               released.wait();
                               slow_done = true;
                               return Response::Text(200, "finally");
                             })
                  .ok());
  ts.Start();
  bool hook_saw_slow_done = false;
  int hooks = 0;
  ts.server->OnShutdown([&] {
    hook_saw_slow_done = slow_done;
    ++hooks;
  });

  TestConnection idle(ts.port);
  idle.Send(Get("/healthz"));
  HttpReply r;
  ASSERT_TRUE(idle.Read(&r));

  TestConnection slow(ts.port);
  slow.Send(Get("/slow"));
  entered.get_future().wait();

  ts.server->Shutdown();
  TestConnection refused(ts.port);
  EXPECT_EQ(refused.connect_errno(), ECONNREFUSED);
  EXPECT_TRUE(idle.PeerClosed());

  std::thread waiter([&] { ts.server->Wait(); });
  release.set_value();
  ASSERT_TRUE(slow.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "finally");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(slow.PeerClosed());
  slow.Hangup();
  waiter.join();
  EXPECT_EQ(hooks, 1);
  EXPECT_TRUE(hook_saw_slow_done);
}

TEST(GracefulShutdownTest, SigtermStartsShutdown) {
  TestServer ts(TestConfig());
  ts.Start();
  ts.server->ShutdownOnSignals();
  std::atomic<bool> hook_ran{false};
  ts.server->OnShutdown([&] { hook_ran = true; });
  EXPECT_EQ(Call(ts.port, Get("/healthz")).status, 200);
  std::raise(SIGTERM);
  ts.server->Wait();
  EXPECT_TRUE(hook_ran);
  EXPECT_EQ(TestConnection(ts.port).connect_errno(), ECONNREFUSED);
}

// One io thread: while the async route waits on another thread, the io
// thread keeps serving; the answer then comes from that thread with the
// request's body still intact.
TEST(AsyncRouteTest, AnsweredFromAnotherThreadWhileIoThreadServesOthers) {
  ServerConfig config = TestConfig();
  config.threads = 1;
  TestServer ts(config);
  std::promise<Responder> pending;
  std::string seen_body, seen_param;
  ASSERT_TRUE(ts.service
                  ->AddAsyncRoute("POST", "/later/{id}", Scope::kNone,
                                  [&](const Request& req, Responder respond) {
                                    std::thread([&req, &seen_body, &seen_param, respond] {
                                      seen_body = std::string(req.body);
                                      seen_param = *req.PathParam("id");
                                      respond(Response::Text(202, "done " + seen_param));
                                      respond(Response::Text(500, "ignored second answer"));
                                    }).detach();
                                  })
                  .ok());
  ASSERT_TRUE(ts.service
                  ->AddAsyncRoute("GET", "/held", Scope::kNone,
                                  [&](const Request&, Responder respond) { pending.set_value(respond); })
                  .ok());
  ts.Start();

  TestConnection held(ts.port);
  held.Send(Get("/held"));
  Responder respond_held = pending.get_future().get();
  EXPECT_EQ(Call(ts.port, Get("/healthz")).status, 200);

  TestConnection c(ts.port);
  c.Send(Post("/later/x%201", "payload"));
  HttpReply r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "done x 1");
  EXPECT_EQ(seen_body, "payload");
  c.Send(Post("/later/2", "again"));  // the connection is kept alive
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.body, "done 2");

  std::thread([respond_held] { respond_held(Response::Text(200, "released")); }).join();
  ASSERT_TRUE(held.Read(&r));
  EXPECT_EQ(r.body, "released");
  std::string metrics = Call(ts.port, Get("/metrics")).body;
  EXPECT_NE(metrics.find("route=\"/later/{id}\",status=\"202\"} 2"), std::string::npos) << metrics;
}

TEST(AsyncRouteTest, HandleWaitsForAnAsyncAnswer) {
  TestServer ts(TestConfig());
  ASSERT_TRUE(ts.service
                  ->AddAsyncRoute("GET", "/a", Scope::kNone,
                                  [](const Request&, Responder respond) {
                                    std::thread([respond] { respond(Response::Text(200, "async")); }).detach();
                                  })
                  .ok());
  Request req;
  req.method = "GET";
  req.target = "/a";
  Response res = ts.service->Handle(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "async");
}

}  // namespace
}  // namespace nba
