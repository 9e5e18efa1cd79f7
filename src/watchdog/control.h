// The control socket: a Unix stream socket in the runtime directory (mode 0660, so the service
// group may use it), one JSON object a line each way. Requests:
//   {"cmd": "ping"}                          -> {"ok": true, "pid": N}
//   {"cmd": "status"}                        -> {"ok": true, ...what the watchdog is doing}
//   {"cmd": "paths"}                         -> {"ok": true, "paths": {...}, "contract": ...}
//   {"cmd": "restart-wait", "request_id": R} -> answered once request R is decided (and, if
//                                               executed, confirmed or not): {"ok": true, "record": {...}}
// Errors: {"ok": false, "error": "..."}. Nothing over the socket changes anything: restarts are
// requested with a flag, like the app does, so there is one way in.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "control/client.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/fd.h"

namespace csd::watchdog {

inline constexpr std::size_t kMaxControlLine = control::kMaxLine;
inline constexpr std::size_t kMaxControlClients = 64;
// Issue 10, defect 4: idle clients held the 64 places for good and ids waited on by clients
// that hung up were never freed. A client that sends nothing for kClientIdle is closed (one
// waiting for a decision after kWaitingIdle); at most kMaxWaitsPerClient ids a client; at
// capacity the least recently active client makes room for the new one.
inline constexpr std::chrono::milliseconds kClientIdle{10'000};
inline constexpr std::chrono::milliseconds kWaitingIdle{3'600'000};
inline constexpr std::size_t kMaxWaitsPerClient = 16;

class ControlServer {
 public:
  // Called for each request line. Returns the response, or nullopt to answer later with
  // respond() (restart-wait).
  using Handler = std::function<std::optional<nlohmann::json>(int client, const nlohmann::json& request)>;
  // Tells the event loop which descriptors to watch (add) or forget.
  using Watch = std::function<void(int fd, bool add)>;

  ControlServer() = default;
  ControlServer(ControlServer&&) = default;
  ControlServer& operator=(ControlServer&&) = default;
  ~ControlServer();

  // Binds `path`. A leftover socket nobody answers on is replaced; a live one means another
  // watchdog runs (error); anything that is not a socket is never removed (error).
  static Result<ControlServer> listen(const std::string& path, unsigned mode = 0660);

  const std::string& path() const { return path_; }
  int listen_fd() const { return listen_.get(); }
  bool is_client(int fd) const { return clients_.count(fd) != 0; }

  // Accepts what is pending on the listening socket.
  void on_acceptable(const Watch& watch);
  // Reads what a client sent and answers each complete line.
  void on_readable(int client, const Handler& handler, const Watch& watch);
  void respond(int client, const nlohmann::json& response, const Watch& watch);
  void close_client(int client, const Watch& watch);

  // restart-wait: `client` waits for request `id`. False when it already waits for
  // kMaxWaitsPerClient ids. Freed when answered (take_waiters) or when the client goes.
  bool add_wait(int client, const std::string& id);
  // The clients waiting for `id`, no longer waiting for it.
  std::vector<int> take_waiters(const std::string& id);
  // Every waiting client, for the answer at shutdown: (client, id).
  std::vector<std::pair<int, std::string>> all_waits() const;

  // When the next idle client is due to be closed; nullopt without clients (no timer at all).
  std::optional<std::chrono::steady_clock::time_point> next_deadline() const;
  // Closes the clients idle past their bound.
  void expire(std::chrono::steady_clock::time_point now, const Watch& watch);

  std::size_t client_count() const { return clients_.size(); }
  std::size_t waiting_ids() const { return waiting_.size(); }

 private:
  struct Client {
    Fd fd;
    std::string in;
    std::chrono::steady_clock::time_point last_active;
    std::set<std::string> waits;
  };
  std::chrono::steady_clock::time_point deadline_of(const Client& c) const;
  void answer(int client, const std::string& line, const Handler& handler, const Watch& watch);
  std::map<std::string, std::set<int>> waiting_;  // request id -> clients
  std::string path_;
  Fd listen_;
  ino_t inode_ = 0;  // of the socket we bound, so we never unlink someone else's
  std::map<int, Client> clients_;
};

}  // namespace csd::watchdog
