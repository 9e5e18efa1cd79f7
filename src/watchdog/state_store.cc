#include "watchdog/state_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/file.h"

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

std::optional<TimePoint> last_requested_at(const json& state) {
  if (!state.is_object()) return std::nullopt;
  auto last = state.find("last_restart");
  if (last == state.end() || !last->is_object()) return std::nullopt;
  auto at = last->find("requested_at");
  if (at == last->end() || !at->is_string()) return std::nullopt;
  return parse_timestamp(at->get<std::string>());
}

std::optional<json> find_request(const json& state, const std::string& request_id) {
  if (request_id.empty() || !state.is_object()) return std::nullopt;
  for (const char* list : {"history", "rejected_flags"}) {
    auto it = state.find(list);
    if (it == state.end() || !it->is_array()) continue;
    for (auto e = it->rbegin(); e != it->rend(); ++e)
      if (has_id(*e, request_id)) return *e;
  }
  return std::nullopt;
}

StateStore::StateStore(std::string path, int history_limit)
    : path_(std::move(path)), history_limit_(history_limit) {}

Result<json> StateStore::load() const {
  auto text = read_file(path_, ReadOptions{.max_bytes = kMaxStateBytes, .follow_symlinks = false});
  if (!text) {
    if (!path_exists(path_)) return empty_state(history_limit_);
    return text.error();
  }
  json state = json::parse(*text, nullptr, false);
  if (state.is_discarded()) return file_error(path_, "is not valid JSON");
  if (auto valid = validate_state(state); !valid) return file_error(path_, valid.error().message);
  if (!state.contains("history")) state["history"] = json::array();
  if (!state.contains("last_restart")) state["last_restart"] = nullptr;
  if (!state.contains("history_limit")) state["history_limit"] = history_limit_;
  return state;
}

Result<StateStore::Lock> StateStore::lock() const {
  std::string lock_path = join_path(parent_dir(path_), "." + base_name(path_) + ".lock");
  Fd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid())
    return file_error(lock_path, fmt::format("cannot open the state lock: {}", std::strerror(errno)),
                      "the state directory must be writable by the watchdog's user");
  while (::flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR) return file_error(lock_path, fmt::format("cannot lock: {}", std::strerror(errno)));
  return Lock(std::move(fd));
}

Result<json> StateStore::load_for_update(LoadInfo& info, TimePoint now) const {
  info = LoadInfo{};
  info.existed = path_exists(path_);
  auto state = load();
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

Status StateStore::save(const json& state) const {
  std::string text = state.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  // 0644 as the dashboard wrote it: the app reads it, possibly as another user.
  return write_file_atomic(path_, text, 0644);
}

Status StateStore::update(const std::function<void(json&, const LoadInfo&)>& change, TimePoint now) const {
  auto held = lock();
  if (!held) return held.error();
  LoadInfo info;
  auto state = load_for_update(info, now);
  if (!state) return state.error();
  change(*state, info);
  return save(*state);
}

}  // namespace csd::watchdog
