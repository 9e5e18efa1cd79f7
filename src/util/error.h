// Errors as values: what went wrong, where, and what to do about it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace csd {

// What kind of failure an Error is, for callers that act on it (retry, report as missing, refuse):
// they test the kind, never the message, which is for people and may be reworded.
enum class ErrorKind {
  kOther,       // nothing a caller distinguishes
  kNotFound,    // the file, unit or entry is not there
  kTooLarge,    // over a size limit
  kMalformed,   // there but not readable as what it must be (syntax, type, encoding)
  kPermission,  // not allowed (EACCES, EPERM)
  kIo,          // the system failed (EIO, ENOSPC, ...)
  kConflict,    // someone else holds it (another watchdog on the socket)
  kTimeout,     // no answer in time
  kMismatch,    // there and well-formed, but not what it must be (an interpreter of another prefix)
};

struct Error {
  ErrorKind kind = ErrorKind::kOther;
  std::string message;  // what is wrong, one sentence
  std::string file;     // where, when a file is to blame
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string hint;     // what to do about it; may be empty

  // "file:line:column: message" with the hint on its own line, as compilers do.
  std::string to_string() const;

  // The same error with its kind: `return file_error(...).as(ErrorKind::kNotFound);`
  Error as(ErrorKind k) && {
    kind = k;
    return std::move(*this);
  }
  bool is(ErrorKind k) const { return kind == k; }
};

// The kind an errno value stands for.
ErrorKind kind_of_errno(int err);

Error make_error(std::string message, std::string hint = {});
Error file_error(std::string file, std::string message, std::string hint = {});

// A value or the Error that prevented it. Deliberately small: C++20 has no std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations that return nothing but may fail.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() {
  return Unit{};
}

}  // namespace csd
