#include "watchdog/flag.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "util/fd.h"
#include "util/file.h"
#include "util/json_bounds.h"
#include "util/strings.h"

namespace csd::watchdog {

namespace {

using nlohmann::json;

std::string claimed_prefix(const std::string& flag_path) {
  return "." + base_name(flag_path) + ".claimed.";
}

TimePoint mtime_of(const struct stat& st) {
  using namespace std::chrono;
  auto since = seconds{st.st_mtim.tv_sec} + duration_cast<Micros>(nanoseconds{st.st_mtim.tv_nsec});
  return TimePoint{since};
}

const json& field(const json& obj, const char* key) {
  static const json null_value = nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? null_value : *it;
}

std::string string_or_empty(const json& v) {
  return v.is_string() ? v.get<std::string>() : std::string();
}

}  // namespace

const char* rejection_reason(FlagRejection r) {
  switch (r) {
    case FlagRejection::kMalformed:
      return "flag_malformed";
    case FlagRejection::kNotObject:
      return "flag_not_object";
    case FlagRejection::kSymlink:
      return "flag_symlink";
    case FlagRejection::kFifo:
      return "flag_fifo";
    case FlagRejection::kDirectory:
      return "flag_directory";
    case FlagRejection::kNotRegular:
      return "flag_not_regular";
    case FlagRejection::kOversized:
      return "flag_oversized";
    case FlagRejection::kUnreadable:
      return "flag_unreadable";
    case FlagRejection::kStale:
      return "flag_stale";
    case FlagRejection::kTooDeep:
      return "flag_too_deep";
  }
  return "flag_rejected";
}

FlagRead parse_flag(std::string_view text) {
  FlagRead out;
  if (trim(text).empty()) {
    FlagRequest r;
    r.empty = true;
    out.request = r;
    return out;
  }
  if (nests_deeper_than(text, kMaxJsonDepth)) {
    out.rejection = FlagRejection::kTooDeep;
    out.detail = fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth);
    return out;
  }
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number such as 1e400
    out.rejection = FlagRejection::kMalformed;
    // nlohmann's message names the byte offset, which is what an operator needs.
    out.detail = bounded_text(fmt::format("not valid JSON: {}", e.what()), kMaxTextBytes);
    return out;
  }
  if (!doc.is_object()) {
    out.rejection = FlagRejection::kNotObject;
    out.detail = fmt::format("JSON {} where an object was expected", doc.type_name());
    return out;
  }
  FlagRequest r;
  r.user = bounded_scalar(field(doc, "user"));
  r.ip = bounded_scalar(field(doc, "ip"));
  if (const json& ts = field(doc, "timestamp"); ts.is_string())
    r.timestamp = parse_timestamp(ts.get<std::string>());
  // The dashboard: str(source or "manual").strip().lower(), anything but auto/manual is manual.
  std::string source = ascii_lower(std::string(trim(string_or_empty(field(doc, "source")))));
  r.source = source == "auto" ? "auto" : "manual";
  r.manual_override = field(doc, "manual_override").is_boolean() && field(doc, "manual_override").get<bool>();
  r.override_acknowledged =
      field(doc, "override_acknowledged").is_boolean() && field(doc, "override_acknowledged").get<bool>();
  r.override_reason = bounded_scalar(field(doc, "override_reason"), kMaxTextBytes);
  r.worker_pid = bounded_scalar(field(doc, "worker_pid"));
  r.runtime_contract_version = bounded_scalar(field(doc, "runtime_contract_version"));
  r.request_id = bounded_text(string_or_empty(field(doc, "request_id")), kMaxFieldBytes);
  r.reason = bounded_text(string_or_empty(field(doc, "reason")), kMaxTextBytes);
  out.request = std::move(r);
  return out;
}

FlagRead read_claimed_flag(const std::string& path) {
  FlagRead out;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    out.rejection = FlagRejection::kUnreadable;
    out.detail = fmt::format("cannot stat {}: {}", path, std::strerror(errno));
    return out;
  }
  out.mtime = mtime_of(st);
  auto reject = [&](FlagRejection r, std::string detail) {
    out.rejection = r;
    out.detail = std::move(detail);
    return out;
  };
  if (S_ISLNK(st.st_mode)) return reject(FlagRejection::kSymlink, "a symbolic link, never followed");
  if (S_ISFIFO(st.st_mode)) return reject(FlagRejection::kFifo, "a FIFO, never opened");
  if (S_ISDIR(st.st_mode)) return reject(FlagRejection::kDirectory, "a directory");
  if (!S_ISREG(st.st_mode)) return reject(FlagRejection::kNotRegular, "neither a regular file nor a link");
  if (static_cast<std::size_t>(st.st_size) > kMaxFlagBytes)
    return reject(FlagRejection::kOversized,
                  fmt::format("{} bytes, more than the {} accepted", st.st_size, kMaxFlagBytes));
  // Between lstat and open the claimed name is ours alone, but read_file re-checks anyway.
  auto text = read_file(path, ReadOptions{.max_bytes = kMaxFlagBytes, .follow_symlinks = false});
  if (!text) {
    bool grew = text.error().message.find("bytes") != std::string::npos;
    return reject(grew ? FlagRejection::kOversized : FlagRejection::kUnreadable, text.error().message);
  }
  FlagRead parsed = parse_flag(*text);
  parsed.mtime = out.mtime;
  return parsed;
}

void reject_if_stale(FlagRead& read, TimePoint now, Micros max_age) {
  if (read.rejection || !read.request) return;
  std::optional<TimePoint> born = read.request->timestamp;
  const char* by = "timestamp";
  if (!born || *born > now) born = read.mtime, by = "mtime";
  if (!born) return;
  Micros age = now - *born;
  if (age > max_age) {
    read.rejection = FlagRejection::kStale;
    read.detail = fmt::format("requested {} ago by its {} ({}), older than watchdog.flag_max_age ({} s)",
                              fmt::format("{:.1f} s", age.count() / 1e6), by, format_timestamp(*born),
                              max_age.count() / 1'000'000);
  }
}

TimePoint requested_at(const FlagRead& read, TimePoint fallback) {
  if (read.request && read.request->timestamp) return *read.request->timestamp;
  if (read.mtime) return *read.mtime;
  return fallback;
}

Result<std::optional<std::string>> claim_flag(const std::string& flag_path, std::uint64_t seq,
                                              TimePoint now) {
  std::string claimed =
      join_path(parent_dir(flag_path), fmt::format("{}{:020}.{:010}.{}", claimed_prefix(flag_path),
                                                   now.time_since_epoch().count(), seq, ::getpid()));
  if (::rename(flag_path.c_str(), claimed.c_str()) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return file_error(flag_path, fmt::format("cannot claim the restart flag: {}", std::strerror(errno)),
                      "the watchdog must be able to rename files in the flag's directory");
  }
  return std::optional<std::string>(claimed);
}

bool is_claimed_name(const std::string& flag_path, std::string_view name) {
  return starts_with(name, claimed_prefix(flag_path));
}

std::vector<std::string> list_claimed_flags(const std::string& flag_path) {
  std::vector<std::string> out;
  std::string dir = parent_dir(flag_path);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d))
    if (is_claimed_name(flag_path, e->d_name)) out.push_back(join_path(dir, e->d_name));
  ::closedir(d);
  // Names embed the claim time with fixed width: lexical order is claim order.
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<bool> open_for_writing(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (::fcntl(fd.get(), F_SETLEASE, F_RDLCK) == 0) {
    ::fcntl(fd.get(), F_SETLEASE, F_UNLCK);
    return false;
  }
  if (errno == EAGAIN) return true;
  return std::nullopt;
}

Status discard_claimed_flag(const std::string& claimed_path) {
  if (::unlink(claimed_path.c_str()) == 0 || errno == ENOENT) return ok_status();
  if (errno == EISDIR || errno == EPERM) {
    if (::rmdir(claimed_path.c_str()) == 0) return ok_status();
    std::string name = base_name(claimed_path);
    auto at = name.find(".claimed.");
    std::string aside =
        at == std::string::npos ? "." + name + ".rejected" : std::string(name).replace(at, 9, ".rejected.");
    if (::rename(claimed_path.c_str(), join_path(parent_dir(claimed_path), aside).c_str()) == 0)
      return ok_status();
  }
  return file_error(claimed_path, fmt::format("cannot remove the claimed flag: {}", std::strerror(errno)));
}

json make_flag(const FlagFields& f) {
  json flag = {
      {"user", f.user},
      {"ip", nullptr},
      {"timestamp", format_timestamp(f.timestamp)},
      {"worker_pid", nullptr},
      {"source", f.source},
      {"manual_override", f.manual_override},
      {"override_acknowledged", f.override_acknowledged},
      {"override_reason", f.override_reason.empty() ? json(nullptr) : json(f.override_reason)},
      {"policy_state", json::object()},
      {"policy_decision", "pending"},
      {"runtime_contract_version", f.runtime_contract_version},
      {"request_id", f.request_id},
      {"reason", f.reason.empty() ? json(nullptr) : json(f.reason)},
  };
  return flag;
}

Result<bool> place_flag(const std::string& flag_path, const std::string& content) {
  std::string dir = parent_dir(flag_path);
  std::random_device rd;
  std::string tmp = join_path(dir, fmt::format(".{}.tmp-{:08x}", base_name(flag_path), rd()));
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd.valid())
    return file_error(tmp, fmt::format("cannot create: {}", std::strerror(errno)),
                      "run as root or as the service user, who may write the runtime directory");
  auto fail = [&](const char* what) -> Result<bool> {
    int err = errno;
    ::unlink(tmp.c_str());
    return file_error(flag_path, fmt::format("{}: {}", what, std::strerror(err)));
  };
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  // The watchdog may run as another user than the caller: it must be able to read the flag.
  if (::fchmod(fd.get(), 0644) != 0) return fail("cannot set mode");
  if (::fsync(fd.get()) != 0) return fail("cannot fsync");
  fd.reset();
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, flag_path.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {
      ::unlink(tmp.c_str());
      return false;
    }
    return fail("cannot move the flag into place");
  }
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.valid()) ::fsync(dfd.get());
  return true;
}

}  // namespace csd::watchdog
