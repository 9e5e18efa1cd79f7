// The state file in the dashboard's schema:
//   {"last_restart": ENTRY, "history": [ENTRY...], "history_limit": N}
// plus keys of our own that its readers ignore ("rejected_flags", "last_rejected_flag",
// "recovered_from"). Written whole through a temporary file, fsync and rename, under an
// exclusive lock, so a reader never sees half a file (defect 3) and two writers never interleave.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "util/duration.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/timestamp.h"

namespace csd::watchdog {

// How long one-shot writers wait for the state lock at most. The watchdog's own decisions never
// wait: they try once and retry later from the event loop.
inline constexpr Millis kLockWait{2000};

nlohmann::json empty_state(int history_limit);

// Checks the shape the dashboard relies on; the message says what is wrong.
Status validate_state(const nlohmann::json& state);

// The history entry becomes last_restart and joins the history, trimmed to history_limit.
void append_entry(nlohmann::json& state, nlohmann::json entry, int history_limit);
// Replaces the entry with this request_id (a reload that was pending, now confirmed or not), in
// the history and in last_restart. False when it is no longer in the history.
bool replace_entry(nlohmann::json& state, const std::string& request_id, const nlohmann::json& entry);
// A refused flag: kept apart from the history, whose entries the policy counts as attempts.
void append_rejection(nlohmann::json& state, nlohmann::json rejection, int history_limit);
// last_restart.requested_at, parsed; the policy's cooldown starts there.
std::optional<TimePoint> last_requested_at(const nlohmann::json& state);
// The entry (or rejection) carrying this request_id, newest first; nullopt when none does.
std::optional<nlohmann::json> find_request(const nlohmann::json& state, const std::string& request_id);

// When the state was last recovered from a damaged file: "recovered_from"."at". The policy fails
// closed for a while after it (policy.h, after_recovery).
std::optional<TimePoint> recovered_at(const nlohmann::json& state);

// The entry (or rejection) recording this claim (the claimed flag's file name), if any.
std::optional<nlohmann::json> find_claim(const nlohmann::json& state, const std::string& claim);

// What update() found on disk before the change.
struct LoadInfo {
  bool existed = false;
  // The file was unreadable or not the dashboard's schema: it was moved aside to `moved_to` and
  // the update started from an empty state. The caller must fail closed: a lost history must
  // never read as "no restarts yet" and let the policy allow what it should block.
  bool corrupt = false;
  std::string problem;
  std::string moved_to;
};

class StateStore {
 public:
  StateStore(std::string path, int history_limit);

  const std::string& path() const { return path_; }
  int history_limit() const { return history_limit_; }

  // The current state; a missing file is the empty state, a damaged one an error.
  Result<nlohmann::json> load() const;

  // Holds the lock on the state while alive. The lock is a separate file beside the state
  // (".<name>.lock"), since the state file itself is replaced on every write.
  class Lock {
   public:
    Lock() = default;
    explicit Lock(int fd) : fd_(fd) {}
    Lock(Lock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Lock& operator=(Lock&& o) noexcept {
      if (this != &o) release(), fd_ = std::exchange(o.fd_, -1);
      return *this;
    }
    ~Lock() { release(); }
    bool held() const { return fd_ >= 0; }

   private:
    void release();
    int fd_ = -1;  // the store's lock file, locked; unlocked (not closed) on release
  };
  // Never blocks: nullopt while another process holds the lock (issue 10, defect 3: a process
  // holding it stalled the event loop for good). The lock file stays open between calls.
  Result<std::optional<Lock>> try_lock() const;
  // Tries every 10 ms for at most `max_wait`, then fails naming the holder.
  Result<Lock> lock(Millis max_wait = kLockWait) const;
  // Who holds the lock, for messages: "PID 123 (python3)", else "another process".
  std::string lock_holder() const;
  std::string lock_path() const;

  // Removes ".STATE.tmp-*" files a writer killed between its write and its rename left behind.
  // Only under the lock: every writer holds it while its temporary file exists.
  void remove_stale_temp_files() const;

  // Loads under the caller's lock, repairing a damaged file as LoadInfo describes. Takes the
  // cached state rather than copying it (save() caches again): no copy before the signal.
  // The recovery is recorded in the new state ("recovered_from"); until that state is written
  // (a crash, a full disk), the moved-aside file's name carries it: a missing state beside a
  // "STATE.corrupt-<µs>" file is that recovery, never a fresh start.
  Result<nlohmann::json> load_for_update(LoadInfo& info, TimePoint now) const;
  // Writes atomically; the caller holds the lock. `durable` false skips the fsyncs (see
  // write_file_atomic): for the record made just before a signal, which must survive the
  // watchdog being killed but must not delay the signal by a disk flush.
  Status save(const nlohmann::json& state, bool durable = true) const;

  // lock (bounded) + load_for_update + change + save, for one-shot writers.
  Status update(const std::function<void(nlohmann::json&, const LoadInfo&)>& change, TimePoint now,
                Millis max_wait = kLockWait) const;

 private:
  // The last state read or written, with the identity of the file it came from: the watchdog
  // is normally the only writer, so most loads are a stat instead of a read and parse (it is
  // on the path from the flag to the signal). Any rename or write changes inode or mtime.
  struct Cache {
    bool valid = false;
    dev_t dev = 0;
    ino_t ino = 0;
    long long mtime_ns = 0;
    off_t size = 0;
    nlohmann::json state;
  };
  bool cache_matches(const struct stat& st) const;
  // The newest "STATE.corrupt-<µs>" beside the state, and the time in its name.
  std::optional<std::pair<std::string, TimePoint>> latest_corrupt_copy() const;
  void remember(const struct stat& st, const nlohmann::json& state) const;

  std::string path_;
  int history_limit_;
  mutable Cache cache_;
  mutable Fd lock_fd_;
};

}  // namespace csd::watchdog
