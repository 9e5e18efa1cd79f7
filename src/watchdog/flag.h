// The restart flag: the dashboard's request format, claimed by an atomic rename before it is
// read, read without trusting it (bounded, no links, regular files only), and parsed strictly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "util/timestamp.h"

namespace csd::watchdog {

inline constexpr std::size_t kMaxFlagBytes = 64 * 1024;

// Why a flag was refused. Each becomes a reason string in the state and the audit log.
enum class FlagRejection {
  kMalformed,  // not JSON
  kNotObject,  // JSON, but null, a list, a string...
  kSymlink,
  kFifo,
  kDirectory,
  kNotRegular,  // a socket or a device
  kOversized,   // more than kMaxFlagBytes
  kUnreadable,  // open or read failed
  kStale,       // older than watchdog.flag_max_age
  kTooDeep,     // JSON nested deeper than kMaxJsonDepth
};
// "flag_malformed", "flag_not_object", "flag_symlink", "flag_fifo", "flag_directory",
// "flag_not_regular", "flag_oversized", "flag_unreadable", "flag_stale", "flag_too_deep".
const char* rejection_reason(FlagRejection r);

// A request, with the dashboard's keys normalized the way its watchdog did, except where that
// was a defect: only a JSON `true` turns manual_override on (Python's bool("false") is True).
// Every field is bounded (json_bounds.h): strings cut to kMaxFieldBytes (reason and
// override_reason to kMaxTextBytes), objects and lists replaced by a marker, since each is
// copied into every state entry.
struct FlagRequest {
  nlohmann::json user = nullptr;  // as written (a string, normally); null when absent
  nlohmann::json ip = nullptr;
  std::optional<TimePoint> timestamp;  // nullopt when absent or not a timestamp
  std::string source = "manual";       // "manual" or "auto"; anything else reads as "manual"
  bool manual_override = false;
  bool override_acknowledged = false;
  nlohmann::json override_reason = nullptr;
  nlohmann::json worker_pid = nullptr;
  nlohmann::json runtime_contract_version = nullptr;
  std::string request_id;  // set by `conda-systemd restart`, so it can wait for its own decision
  std::string reason;      // the operator's free text, from `restart --reason`
  bool empty = false;      // an empty file: "restart, no details"
};

// What reading one claimed flag gave: a request, or why there is none.
struct FlagRead {
  std::optional<FlagRequest> request;
  std::optional<FlagRejection> rejection;
  std::string detail;  // for the operator: what exactly was wrong
  std::optional<TimePoint> mtime;
};

// Parses a flag's content. Pure; `text` must already be bounded.
FlagRead parse_flag(std::string_view text);

// Reads a claimed flag: lstat first (so a link, FIFO or directory is named as such and never
// opened), then at most kMaxFlagBytes through O_NOFOLLOW.
FlagRead read_claimed_flag(const std::string& path);

// The request's age decides staleness: by its timestamp, else the file's mtime. A timestamp in
// the future (clock skew, or a naive local time east of UTC) cannot prove freshness, so the
// mtime, which this host's kernel set, decides then. Sets rejection = kStale when too old.
void reject_if_stale(FlagRead& read, TimePoint now, Micros max_age);

// When the request was made, for the state's requested_at: its timestamp, else the mtime,
// else `fallback`.
TimePoint requested_at(const FlagRead& read, TimePoint fallback);

// Moves the flag out of the writers' way: rename(2) to a hidden name in the same directory.
// Whatever a writer does afterwards creates a new flag, never changes or loses this one.
// nullopt when there is no flag. `seq` makes names unique within a process.
Result<std::optional<std::string>> claim_flag(const std::string& flag_path, std::uint64_t seq, TimePoint now);

// Claimed flags left by an earlier run (crashed or stopped between claim and decision), oldest
// first: they are requests like any other.
std::vector<std::string> list_claimed_flags(const std::string& flag_path);
bool is_claimed_name(const std::string& flag_path, std::string_view name);

// Whether a process has the regular file at `path` open for writing: a read lease
// (fcntl F_SETLEASE) is granted only when none has, and is given back at once. nullopt when the
// kernel will not say (not the file's owner and no CAP_LEASE, not a regular file, gone). A flag
// that arrives by link(2) is complete and closed: it need not wait for an IN_CLOSE_WRITE that never
// comes. While the lease is held a writer's open() breaks it with SIGIO: the caller ignores SIGIO.
std::optional<bool> open_for_writing(const std::string& path);

// Removes a claimed flag whatever it is. A non-empty directory cannot be removed safely; it is
// renamed to ".<flag>.rejected.<...>" instead, out of the way of both writers and the scan.
Status discard_claimed_flag(const std::string& claimed_path);

// --- writing a flag (the `restart` command) --------------------------------------------------

struct FlagFields {
  std::string user;
  std::string source = "manual";
  bool manual_override = false;
  bool override_acknowledged = false;
  std::string override_reason;  // "" writes null
  std::string reason;
  std::string request_id;
  std::string runtime_contract_version;
  TimePoint timestamp;
};
// The dashboard's keys, with policy_decision "pending" as the app writes it, plus request_id and reason.
nlohmann::json make_flag(const FlagFields& fields);

// Writes the flag atomically without ever replacing a pending one (renameat2 RENAME_NOREPLACE):
// true when written, false when a flag is already there (the caller waits for the watchdog to
// claim it, then tries again).
Result<bool> place_flag(const std::string& flag_path, const std::string& content);

}  // namespace csd::watchdog
