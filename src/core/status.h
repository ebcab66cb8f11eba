// Status: the result of an operation that can fail, LevelDB-style.
// Ok() carries nothing; an error carries a code and a one-line message meant
// for the person who caused it (a file name, a line number, a field).
#pragma once

#include <string>
#include <utility>

namespace nba {

class Status {
 public:
  enum class Code { kOk, kNotFound, kInvalidArgument, kCorruption, kIOError, kUnavailable, kNotSupported };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status NotSupported(std::string msg) { return Status(Code::kNotSupported, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: weights.safetensors: header is not JSON"
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Returns early from the calling function when `expr` is an error.
#define NBA_RETURN_IF_ERROR(expr)      \
  do {                                 \
    ::nba::Status _st = (expr);        \
    if (!_st.ok()) return _st;         \
  } while (0)

}  // namespace nba
