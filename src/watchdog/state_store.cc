#include "watchdog/state_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "util/file.h"
#include "util/json_bounds.h"
#include "util/strings.h"

namespace csd::watchdog {

using nlohmann::json;

namespace {

// The state is written by us, but damaged or replaced files must not exhaust memory either.
constexpr std::size_t kMaxStateBytes = 16 << 20;

void trim_list(json& list, int limit) {
  if (!list.is_array() || limit < 1) return;
  auto excess = static_cast<std::ptrdiff_t>(list.size()) - limit;
  if (excess > 0) list.erase(list.begin(), list.begin() + excess);
}

bool has_id(const json& entry, const std::string& id) {
  if (!entry.is_object()) return false;
  auto it = entry.find("request_id");
  return it != entry.end() && it->is_string() && it->get<std::string>() == id;
}

}  // namespace

json empty_state(int history_limit) {
  return {{"last_restart", nullptr}, {"history", json::array()}, {"history_limit", history_limit}};
}

Status validate_state(const json& state) {
  if (!state.is_object())
    return make_error(fmt::format("holds a JSON {}, expected an object", state.type_name()));
  if (auto it = state.find("history"); it != state.end() && !it->is_array())
    return make_error("'history' is not a list");
  if (auto it = state.find("last_restart"); it != state.end() && !it->is_null() && !it->is_object())
    return make_error("'last_restart' is not an object");
  return ok_status();
}

void append_entry(json& state, json entry, int history_limit) {
  if (!state["history"].is_array()) state["history"] = json::array();
  state["history"].push_back(entry);
  trim_list(state["history"], history_limit);
  state["last_restart"] = std::move(entry);
  state["history_limit"] = history_limit;
}

bool replace_entry(json& state, const std::string& request_id, const json& entry) {
  bool found = false;
  if (state.contains("history") && state["history"].is_array())
    for (auto& e : state["history"])
      if (has_id(e, request_id)) e = entry, found = true;
  if (has_id(state.value("last_restart", json()), request_id)) state["last_restart"] = entry;
  return found;
}

void append_rejection(json& state, json rejection, int history_limit) {
  if (!state.contains("rejected_flags") || !state["rejected_flags"].is_array())
    state["rejected_flags"] = json::array();
  state["rejected_flags"].push_back(rejection);
  trim_list(state["rejected_flags"], history_limit);
  state["last_rejected_flag"] = std::move(rejection);
}

namespace {

// state[outer][inner] as a timestamp, when both are there and of the right type.
std::optional<TimePoint> nested_timestamp(const json& state, const char* outer, const char* inner) {
  if (!state.is_object()) return std::nullopt;
  auto o = state.find(outer);
  if (o == state.end() || !o->is_object()) return std::nullopt;
  auto at = o->find(inner);
  if (at == o->end() || !at->is_string()) return std::nullopt;
  return parse_timestamp(at->get<std::string>());
}

// The newest entry of history or rejected_flags that `matches`.
template <typename Matches>
std::optional<json> find_entry(const json& state, Matches matches) {
  if (!state.is_object()) return std::nullopt;
  for (const char* list : {"history", "rejected_flags"}) {
    auto it = state.find(list);
    if (it == state.end() || !it->is_array()) continue;
    for (auto e = it->rbegin(); e != it->rend(); ++e)
      if (matches(*e)) return *e;
  }
  return std::nullopt;
}

}  // namespace

std::optional<TimePoint> last_requested_at(const json& state) {
  return nested_timestamp(state, "last_restart", "requested_at");
}

std::optional<json> find_claim(const json& state, const std::string& claim) {
  if (claim.empty()) return std::nullopt;
  return find_entry(state, [&](const json& e) { return e.is_object() && e.value("claim", json()) == claim; });
}

std::optional<TimePoint> recovered_at(const json& state) {
  return nested_timestamp(state, "recovered_from", "at");
}

std::optional<json> find_request(const json& state, const std::string& request_id) {
  if (request_id.empty()) return std::nullopt;
  return find_entry(state, [&](const json& e) { return has_id(e, request_id); });
}

StateStore::StateStore(std::string path, int history_limit)
    : path_(std::move(path)), history_limit_(history_limit) {}

bool StateStore::cache_matches(const struct stat& st) const {
  return cache_.valid && cache_.dev == st.st_dev && cache_.ino == st.st_ino && cache_.size == st.st_size &&
         cache_.mtime_ns == st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
}

void StateStore::remember(const struct stat& st, const json& state) const {
  cache_ = {true,       st.st_dev, st.st_ino, st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
            st.st_size, state};
}

Result<json> StateStore::load() const {
  struct stat before {};
  bool exists = ::lstat(path_.c_str(), &before) == 0;
  if (exists && S_ISREG(before.st_mode) && cache_matches(before)) return cache_.state;
  auto text = read_file(path_, ReadOptions{.max_bytes = kMaxStateBytes, .follow_symlinks = false});
  if (!text) {
    if (!path_exists(path_)) return empty_state(history_limit_);
    return text.error();
  }
  if (nests_deeper_than(*text, kMaxJsonDepth))
    return file_error(path_, fmt::format("nests JSON deeper than {} levels", kMaxJsonDepth));
  json state = json::parse(*text, nullptr, false);
  if (state.is_discarded()) return file_error(path_, "is not valid JSON");
  if (auto valid = validate_state(state); !valid) return file_error(path_, valid.error().message);
  if (!state.contains("history")) state["history"] = json::array();
  if (!state.contains("last_restart")) state["last_restart"] = nullptr;
  if (!state.contains("history_limit")) state["history_limit"] = history_limit_;
  // Cached only if the file did not change while it was read.
  struct stat after {};
  if (exists && ::lstat(path_.c_str(), &after) == 0 && after.st_ino == before.st_ino &&
      after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
      after.st_size == before.st_size)
    remember(after, state);
  return state;
}

void StateStore::Lock::release() {
  if (fd_ >= 0) ::flock(fd_, LOCK_UN);
  fd_ = -1;
}

std::string StateStore::lock_path() const {
  return join_path(parent_dir(path_), "." + base_name(path_) + ".lock");
}

Result<std::optional<StateStore::Lock>> StateStore::try_lock() const {
  std::string path = lock_path();
  // Reopened when the file was replaced or removed, so that every writer locks the same inode.
  struct stat by_path {
  }, by_fd{};
  if (lock_fd_.valid() && (::lstat(path.c_str(), &by_path) != 0 || ::fstat(lock_fd_.get(), &by_fd) != 0 ||
                           by_path.st_ino != by_fd.st_ino || by_path.st_dev != by_fd.st_dev))
    lock_fd_.reset();
  if (!lock_fd_.valid()) lock_fd_ = Fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock_fd_.valid())
    return file_error(path, fmt::format("cannot open the state lock: {}", std::strerror(errno)),
                      "the state directory must be writable by the watchdog's user");
  for (;;) {
    if (::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) == 0) return std::optional<Lock>(Lock(lock_fd_.get()));
    if (errno == EWOULDBLOCK) return std::optional<Lock>();
    if (errno != EINTR) return file_error(path, fmt::format("cannot lock: {}", std::strerror(errno)));
  }
}

Result<StateStore::Lock> StateStore::lock(Millis max_wait) const {
  auto deadline = std::chrono::steady_clock::now() + max_wait;
  for (;;) {
    auto held = try_lock();
    if (!held) return held.error();
    if (held->has_value()) return std::move(**held);
    if (std::chrono::steady_clock::now() >= deadline)
      return file_error(
          lock_path(),
          fmt::format("the state lock is held by {} for more than {} ms", lock_holder(), max_wait.count()),
          "nothing but the watchdog should lock the state; see `fuser -v` on the lock file");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string StateStore::lock_holder() const {
  struct stat st {};
  if (!lock_fd_.valid() || ::fstat(lock_fd_.get(), &st) != 0) return "another process";
  // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF": the device and inode name the file.
  auto locks = read_file("/proc/locks", ReadOptions{.max_bytes = 1 << 20});
  if (!locks) return "another process";
  std::string inode = fmt::format(":{} ", st.st_ino);
  for (std::string_view line : split(*locks, '\n')) {
    auto at = line.find(inode);
    if (at == std::string_view::npos || line.find("->") != std::string_view::npos) continue;
    std::vector<std::string> fields;
    for (const auto& f : split(line, ' '))
      if (!f.empty()) fields.push_back(f);
    if (fields.size() < 6) continue;
    std::string pid = fields[4];
    auto comm = read_file("/proc/" + pid + "/comm", ReadOptions{.max_bytes = 64});
    return fmt::format("PID {} ({})", pid, comm ? std::string(trim(*comm)) : std::string("?"));
  }
  return "another process";
}

void StateStore::remove_stale_temp_files() const {
  std::string dir = parent_dir(path_);
  std::string prefix = "." + base_name(path_) + ".tmp-";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> stale;
  while (struct dirent* e = ::readdir(d))
    if (std::string_view(e->d_name).starts_with(prefix)) stale.push_back(join_path(dir, e->d_name));
  ::closedir(d);
  for (const auto& f : stale) ::unlink(f.c_str());
}

Result<json> StateStore::load_for_update(LoadInfo& info, TimePoint now) const {
  info = LoadInfo{};
  struct stat st {};
  info.existed = ::lstat(path_.c_str(), &st) == 0;
  if (info.existed && S_ISREG(st.st_mode) && cache_matches(st)) {
    cache_.valid = false;
    return std::move(cache_.state);
  }
  auto state = load();
  if (state && !info.existed) {
    if (auto aside = latest_corrupt_copy(); aside)
      (*state)["recovered_from"] = {
          {"file", aside->first},
          {"problem", "moved aside; the state that should record it was never written"},
          {"at", format_timestamp(aside->second)}};
    return state;
  }
  if (state) return state;
  if (!info.existed) return state.error();
  // Keep the evidence, start afresh; the caller blocks this request (see LoadInfo::corrupt).
  info.corrupt = true;
  info.problem = state.error().message;
  info.moved_to = fmt::format("{}.corrupt-{}", path_, now.time_since_epoch().count());
  if (::rename(path_.c_str(), info.moved_to.c_str()) != 0)
    return file_error(path_, fmt::format("is damaged ({}) and cannot be moved aside: {}", info.problem,
                                         std::strerror(errno)));
  json fresh = empty_state(history_limit_);
  fresh["recovered_from"] = {
      {"file", info.moved_to}, {"problem", info.problem}, {"at", format_timestamp(now)}};
  return fresh;
}

std::optional<std::pair<std::string, TimePoint>> StateStore::latest_corrupt_copy() const {
  std::string dir = parent_dir(path_);
  std::string prefix = base_name(path_) + ".corrupt-";
  std::optional<std::pair<std::string, TimePoint>> latest;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return latest;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (!name.starts_with(prefix)) continue;
    std::string_view digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 19 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos)
      continue;
    TimePoint at{Micros{std::stoll(std::string(digits))}};
    if (!latest || at > latest->second) latest = std::make_pair(join_path(dir, std::string(name)), at);
  }
  ::closedir(d);
  return latest;
}

Status StateStore::save(const json& state, bool durable) const {
  std::string text = state.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  // 0644 as the dashboard wrote it: the app reads it, possibly as another user.
  Status written = write_file_atomic(path_, text, 0644, durable);
  struct stat st {};
  if (written && ::lstat(path_.c_str(), &st) == 0)
    remember(st, state);
  else
    cache_.valid = false;
  return written;
}

Status StateStore::update(const std::function<void(json&, const LoadInfo&)>& change, TimePoint now,
                          Millis max_wait) const {
  auto held = lock(max_wait);
  if (!held) return held.error();
  LoadInfo info;
  auto state = load_for_update(info, now);
  if (!state) return state.error();
  change(*state, info);
  return save(*state);
}

}  // namespace csd::watchdog
