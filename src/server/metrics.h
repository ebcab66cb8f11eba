// A small Prometheus metrics registry. Families are registered once (at
// start-up, from any module) and looked up by label values; a series is a
// stable pointer that callers keep, so the hot path is one relaxed atomic
// operation and no lock. RenderText() writes the text exposition format 0.0.4.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace nba {

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Fixed upper bounds (ascending); an implicit +Inf bucket follows.
class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts; the last one is +Inf.
  std::vector<uint64_t> BucketCounts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms to 10 s.
const std::vector<double>& DefaultLatencyBuckets();

class MetricFamilyBase {
 public:
  virtual ~MetricFamilyBase() = default;
  virtual void Render(std::string* out) const = 0;
};

// All series of one metric name. Get() takes the family's lock: call it once
// and keep the pointer, which stays valid for the registry's lifetime.
template <typename T>
class MetricFamily : public MetricFamilyBase {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> labels,
               std::vector<double> bounds = {})
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}

  // `values` must have one entry per label name (checked: throws
  // std::invalid_argument, a programming error).
  T* Get(const std::vector<std::string>& values = {});
  void Render(std::string* out) const override;

 private:
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

class MetricsRegistry {
 public:
  // Registering an existing name again returns the existing family when its
  // kind matches; a different kind throws std::invalid_argument.
  CounterFamily* AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> labels = {});
  GaugeFamily* AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> labels = {});
  HistogramFamily* AddHistogram(const std::string& name, const std::string& help,
                                std::vector<double> bounds, std::vector<std::string> labels = {});

  // Runs `collect` before every RenderText: for values kept elsewhere (a
  // client's error count) that are set on a gauge only when scraped.
  void AddCollector(std::function<void()> collect);

  // Prometheus text format, families sorted by name.
  std::string RenderText() const;

 private:
  template <typename T>
  MetricFamily<T>* Add(const std::string& name, const std::string& help,
                       std::vector<std::string> labels, std::vector<double> bounds);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamilyBase>> families_;
  std::vector<std::function<void()>> collectors_;
};

}  // namespace nba
