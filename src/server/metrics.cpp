#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace nba {

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> counts(bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = buckets_[i].load(std::memory_order_relaxed);
  return counts;
}

const std::vector<double>& DefaultLatencyBuckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                               0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                               5,      10};
  return kBuckets;
}

// Shortest text that reads back as `v`: 0.1 stays "0.1".
static std::string FormatDouble(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

// Label values may hold anything; the format escapes \, " and newline.
static void AppendLabelValue(std::string* out, const std::string& v) {
  for (char c : v) {
    if (c == '\\') out->append("\\\\");
    else if (c == '"') out->append("\\\"");
    else if (c == '\n') out->append("\\n");
    else out->push_back(c);
  }
}

// {a="x",b="y"} plus an optional extra label (the histogram's "le").
static std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                          const char* extra_name = nullptr, const std::string& extra_value = {}) {
  if (names.empty() && extra_name == nullptr) return {};
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"";
    AppendLabelValue(&out, values[i]);
    out += '"';
  }
  if (extra_name != nullptr) {
    if (!names.empty()) out += ',';
    out += std::string(extra_name) + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

template <typename T>
static std::unique_ptr<T> NewSeries(const std::vector<double>&) {
  return std::make_unique<T>();
}
template <>
std::unique_ptr<Histogram> NewSeries<Histogram>(const std::vector<double>& bounds) {
  return std::make_unique<Histogram>(bounds);
}

template <typename T>
T* MetricFamily<T>::Get(const std::vector<std::string>& values) {
  if (values.size() != labels_.size()) {
    throw std::invalid_argument("metric " + name_ + ": expected " + std::to_string(labels_.size()) +
                                " label values, got " + std::to_string(values.size()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = series_[values];
  if (!slot) slot = NewSeries<T>(bounds_);
  return slot.get();
}

static const char* TypeName(const Counter*) { return "counter"; }
static const char* TypeName(const Gauge*) { return "gauge"; }
static const char* TypeName(const Histogram*) { return "histogram"; }

static void RenderSeries(const std::string& name, const std::vector<std::string>& labels,
                         const std::vector<std::string>& values, const Counter& c, std::string* out) {
  *out += name + Labels(labels, values) + " " + std::to_string(c.value()) + "\n";
}

static void RenderSeries(const std::string& name, const std::vector<std::string>& labels,
                         const std::vector<std::string>& values, const Gauge& g, std::string* out) {
  *out += name + Labels(labels, values) + " " + FormatDouble(g.value()) + "\n";
}

static void RenderSeries(const std::string& name, const std::vector<std::string>& labels,
                         const std::vector<std::string>& values, const Histogram& h, std::string* out) {
  std::vector<uint64_t> counts = h.BucketCounts();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    std::string le = i < h.bounds().size() ? FormatDouble(h.bounds()[i]) : "+Inf";
    *out += name + "_bucket" + Labels(labels, values, "le", le) + " " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_sum" + Labels(labels, values) + " " + FormatDouble(h.sum()) + "\n";
  *out += name + "_count" + Labels(labels, values) + " " + std::to_string(cumulative) + "\n";
}

template <typename T>
void MetricFamily<T>::Render(std::string* out) const {
  *out += "# HELP " + name_ + " " + help_ + "\n";
  *out += "# TYPE " + name_ + " " + TypeName(static_cast<const T*>(nullptr)) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, series] : series_) RenderSeries(name_, labels_, values, *series, out);
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

template <typename T>
MetricFamily<T>* MetricsRegistry::Add(const std::string& name, const std::string& help,
                                      std::vector<std::string> labels, std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = families_[name];
  if (!slot) {
    slot = std::make_unique<MetricFamily<T>>(name, help, std::move(labels), std::move(bounds));
  }
  auto* family = dynamic_cast<MetricFamily<T>*>(slot.get());
  if (family == nullptr) {
    throw std::invalid_argument("metric " + name + ": already registered with another type");
  }
  return family;
}

CounterFamily* MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                           std::vector<std::string> labels) {
  return Add<Counter>(name, help, std::move(labels), {});
}

GaugeFamily* MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels) {
  return Add<Gauge>(name, help, std::move(labels), {});
}

HistogramFamily* MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                               std::vector<double> bounds,
                                               std::vector<std::string> labels) {
  std::sort(bounds.begin(), bounds.end());
  return Add<Histogram>(name, help, std::move(labels), std::move(bounds));
}

void MetricsRegistry::AddCollector(std::function<void()> collect) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string MetricsRegistry::RenderText() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
  }
  for (const auto& collect : collectors) collect();
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) family->Render(&out);
  return out;
}

}  // namespace nba
