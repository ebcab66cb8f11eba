// Router, URL decoding, metrics rendering, rate limiter and trace ids, without a socket.
#include <gtest/gtest.h>

#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/router.h"
#include "server/trace.h"
#include "server/url.h"

namespace nba {
namespace {

Response Ok(const Request&) { return Response::Text(200, "ok"); }

TEST(UrlTest, PercentDecode) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%20b+c%2F", false, &out).ok());
  EXPECT_EQ(out, "a b+c/");
  ASSERT_TRUE(PercentDecode("a+b", true, &out).ok());
  EXPECT_EQ(out, "a b");
  EXPECT_FALSE(PercentDecode("%4", false, &out).ok());
  EXPECT_FALSE(PercentDecode("%g0", false, &out).ok());
  ASSERT_TRUE(PercentDecode("caf%C3%A9", false, &out).ok());
  EXPECT_EQ(out, "caf\xC3\xA9");
  Status s = PercentDecode("%FF", false, &out);  // would break every JSON answer echoing it
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos);
}

TEST(UrlTest, SplitPath) {
  EXPECT_TRUE(SplitPath("/").empty());
  EXPECT_EQ(SplitPath("/a/b"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(SplitPath("/a/"), (std::vector<std::string_view>{"a", ""}));
}

TEST(RouterTest, MatchesLiteralsAndParams) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/v1/users/{user}/recs", Scope::kRecommend, Ok).ok());
  ASSERT_TRUE(r.Add("POST", "/v1/users/{user}/recs", Scope::kAdmin, Ok).ok());
  Router::Match m;
  ASSERT_TRUE(r.Find("GET", "/v1/users/u%201/recs", &m).ok());
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/users/{user}/recs");
  EXPECT_EQ(m.params, (Request::Pairs{{"user", "u 1"}}));
  ASSERT_TRUE(r.Find("DELETE", "/v1/users/x/recs", &m).ok());
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, POST");
  ASSERT_TRUE(r.Find("GET", "/v1/users/x", &m).ok());
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "");
  EXPECT_FALSE(r.Find("GET", "/v1/users/%zz/recs", &m).ok());
}

TEST(RouterTest, RejectsBadPatterns) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/a/{id}", Scope::kNone, Ok).ok());
  EXPECT_NE(r.Add("GET", "/a/{other}", Scope::kNone, Ok).message().find("already registered"), std::string::npos);
  EXPECT_FALSE(r.Add("GET", "no-slash", Scope::kNone, Ok).ok());
  EXPECT_FALSE(r.Add("GET", "/a/x{id}", Scope::kNone, Ok).ok());
  EXPECT_FALSE(r.Add("GET", "/{id}/{id}", Scope::kNone, Ok).ok());
}

TEST(MetricsTest, RendersPrometheusText) {
  MetricsRegistry reg;
  CounterFamily* events = reg.AddCounter("nba_events_total", "Events ingested.", {"type"});
  events->Get({"view"})->Inc(3);
  events->Get({"say \"hi\"\n"})->Inc();
  EXPECT_EQ(reg.AddCounter("nba_events_total", "again", {"type"}), events);
  EXPECT_THROW(reg.AddGauge("nba_events_total", "clash"), std::invalid_argument);
  EXPECT_THROW(events->Get({}), std::invalid_argument);
  reg.AddGauge("nba_model_loaded", "1 when a model is loaded.")->Get()->Set(1);
  Histogram* h = reg.AddHistogram("nba_fsync_seconds", "fsync latency.", {0.01, 0.001})->Get();
  h->Observe(0.0009765625);  // powers of two: the sum is exact
  h->Observe(0.0078125);
  h->Observe(4);
  EXPECT_EQ(reg.RenderText(),
            "# HELP nba_events_total Events ingested.\n"
            "# TYPE nba_events_total counter\n"
            "nba_events_total{type=\"say \\\"hi\\\"\\n\"} 1\n"
            "nba_events_total{type=\"view\"} 3\n"
            "# HELP nba_fsync_seconds fsync latency.\n"
            "# TYPE nba_fsync_seconds histogram\n"
            "nba_fsync_seconds_bucket{le=\"0.001\"} 1\n"
            "nba_fsync_seconds_bucket{le=\"0.01\"} 2\n"
            "nba_fsync_seconds_bucket{le=\"+Inf\"} 3\n"
            "nba_fsync_seconds_sum 4.0087890625\n"
            "nba_fsync_seconds_count 3\n"
            "# HELP nba_model_loaded 1 when a model is loaded.\n"
            "# TYPE nba_model_loaded gauge\n"
            "nba_model_loaded 1\n");
}

TEST(RateLimiterTest, BucketRefillsAtRate) {
  RateLimiter limiter(2, 3);  // 2 tokens/s, burst 3
  auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Acquire("k", t0), 0);
  EXPECT_EQ(limiter.Acquire("k", t0), 1);
  EXPECT_EQ(limiter.Acquire("other", t0), 0);
  EXPECT_EQ(limiter.Acquire("k", t0 + std::chrono::milliseconds(500)), 0);
  EXPECT_EQ(limiter.Acquire("k", t0 + std::chrono::milliseconds(500)), 1);
  RateLimiter slow(0.1, 1);
  EXPECT_EQ(slow.Acquire("k", t0), 0);
  EXPECT_EQ(slow.Acquire("k", t0), 10);
  RateLimiter off(0, 0);
  EXPECT_EQ(off.Acquire("k", t0), 0);
}

TEST(TraceTest, Traceparent) {
  std::string id;
  EXPECT_TRUE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &id));
  EXPECT_EQ(id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(ParseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01", &id));
  EXPECT_FALSE(ParseTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", &id));
  EXPECT_FALSE(ParseTraceparent("", &id));
  std::string a = NewRequestId(), b = NewRequestId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace nba
