#include "util/error.h"

#include <fmt/format.h>

#include <cerrno>

namespace csd {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out = file;
    if (line > 0) {
      out += fmt::format(":{}", line);
      if (column > 0) out += fmt::format(":{}", column);
    }
    out += ": ";
  }
  out += "error: " + message;
  if (!hint.empty()) out += "\n  hint: " + hint;
  return out;
}

ErrorKind kind_of_errno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return ErrorKind::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return ErrorKind::kPermission;
    case EFBIG:
    case E2BIG:
      return ErrorKind::kTooLarge;
    case EEXIST:
    case EBUSY:
    case EADDRINUSE:
      return ErrorKind::kConflict;
    case ETIMEDOUT:
    case EAGAIN:
      return ErrorKind::kTimeout;
    case ELOOP:
    case EISDIR:
      return ErrorKind::kMalformed;
    case 0:
      return ErrorKind::kOther;
    default:
      return ErrorKind::kIo;
  }
}

Error make_error(std::string message, std::string hint) {
  Error e;
  e.message = std::move(message);
  e.hint = std::move(hint);
  return e;
}

Error file_error(std::string file, std::string message, std::string hint) {
  Error e = make_error(std::move(message), std::move(hint));
  e.file = std::move(file);
  return e;
}

}  // namespace csd
