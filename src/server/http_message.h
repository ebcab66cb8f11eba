// Request and Response: what a route handler sees and returns. They carry no
// Boost types so handlers (ingest, recommend, catalogue) stay independent of
// the transport.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nba {

// What a credential may do. A route declares the one scope it needs.
enum class Scope : uint32_t { kNone = 0, kIngest = 1, kRecommend = 2, kAdmin = 4 };

std::string_view ScopeName(Scope s);
// Parses "ingest" / "recommend" / "admin"; false for anything else.
bool ParseScope(std::string_view name, Scope* out);

// The authenticated caller of a request.
struct Principal {
  std::string name;     // API key name, or "jwt:<sub>"
  uint32_t scopes = 0;  // bit set of Scope
  bool Has(Scope s) const { return (scopes & static_cast<uint32_t>(s)) != 0; }
};

// One request as handlers see it. The views point into the transport's buffers
// and are valid only while the handler runs (an AsyncHandler's: until it
// responds).
struct Request {
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  std::string_view method;  // "GET"
  std::string_view target;  // raw request target, query included
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
  std::string remote_address;  // "127.0.0.1:53412"

  // Filled by the service before the handler runs.
  std::string path;          // raw path, without the query
  Pairs query;               // percent-decoded, in request order
  Pairs path_params;         // percent-decoded {param} values
  std::string request_id;    // the traceparent trace id, or generated
  const Principal* principal = nullptr;  // null on routes without a scope

  // Case-insensitive header lookup; empty when absent.
  std::string_view Header(std::string_view name) const;
  // The first value of a query / path parameter, or nullptr when absent.
  const std::string* Query(std::string_view name) const;
  const std::string* PathParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
};

// The error body every 4xx/5xx carries:
//   {"error": {"code": "...", "message": "...", "field": "..."}}
// `field` is omitted when empty.
Response ErrorResponse(int status, std::string_view code, std::string_view message,
                       std::string_view field = {});

using Handler = std::function<Response(const Request&)>;

// A handler that answers later, e.g. after a blocking write on another
// thread, so the io threads keep serving. It must call `respond` exactly once,
// from any thread; the Request stays valid until then. Later calls are ignored.
using Responder = std::function<void(Response)>;
using AsyncHandler = std::function<void(const Request&, Responder respond)>;

}  // namespace nba
