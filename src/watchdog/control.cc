#include "watchdog/control.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "control/client.h"
#include "util/json_bounds.h"

namespace csd::watchdog {

using nlohmann::json;

ControlServer::~ControlServer() {
  if (path_.empty() || !listen_.valid()) return;
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == inode_)
    ::unlink(path_.c_str());
}

Result<ControlServer> ControlServer::listen(const std::string& path, unsigned mode) {
  auto addr = control::address_of(path);
  if (!addr) return addr.error();
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return file_error(path, "exists and is not a socket; not replacing it",
                        "remove it or fix paths.control_socket");
    Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int err = control::try_connect(probe.get(), *addr);
    if (err == 0) return file_error(path, "another watchdog answers on this socket", "stop it first");
    if (err != ECONNREFUSED && err != ENOENT)
      return file_error(path, fmt::format("cannot probe the existing socket: {}", std::strerror(err)));
    ::unlink(path.c_str());
  }
  ControlServer s;
  s.listen_ = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.listen_.valid()) return make_error(fmt::format("socket(): {}", std::strerror(errno)));
  if (::bind(s.listen_.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0)
    return file_error(path, fmt::format("cannot bind: {}", std::strerror(errno)),
                      "the runtime directory must exist and be writable by the watchdog's user");
  s.path_ = path;
  // bind() applied the umask (UMask=0077 in the unit): the service group needs rw to connect.
  if (::chmod(path.c_str(), mode) != 0 || ::lstat(path.c_str(), &st) != 0)
    return file_error(path, fmt::format("cannot set the socket's mode: {}", std::strerror(errno)));
  s.inode_ = st.st_ino;
  if (::listen(s.listen_.get(), 16) != 0)
    return file_error(path, fmt::format("listen(): {}", std::strerror(errno)));
  return s;
}

void ControlServer::on_acceptable(const Watch& watch) {
  for (;;) {
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN: nothing more pending
    if (clients_.size() >= kMaxControlClients) {
      // The newest client is served: the least recently active one makes room.
      auto oldest = clients_.begin();
      for (auto it = clients_.begin(); it != clients_.end(); ++it)
        if (it->second.last_active < oldest->second.last_active) oldest = it;
      close_client(oldest->first, watch);
    }
    Client& c = clients_[fd];
    c.fd = Fd(fd);
    c.last_active = std::chrono::steady_clock::now();
    watch(fd, true);
  }
}

bool ControlServer::add_wait(int client, const std::string& id) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return false;
  if (!it->second.waits.count(id) && it->second.waits.size() >= kMaxWaitsPerClient) return false;
  it->second.waits.insert(id);
  waiting_[id].insert(client);
  return true;
}

std::vector<int> ControlServer::take_waiters(const std::string& id) {
  std::vector<int> out;
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return out;
  for (int c : it->second) {
    out.push_back(c);
    if (auto cl = clients_.find(c); cl != clients_.end()) cl->second.waits.erase(id);
  }
  waiting_.erase(it);
  return out;
}

std::vector<std::pair<int, std::string>> ControlServer::all_waits() const {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& [id, clients] : waiting_)
    for (int c : clients) out.emplace_back(c, id);
  return out;
}

std::chrono::steady_clock::time_point ControlServer::deadline_of(const Client& c) const {
  return c.last_active + (c.waits.empty() ? kClientIdle : kWaitingIdle);
}

std::optional<std::chrono::steady_clock::time_point> ControlServer::next_deadline() const {
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const auto& [fd, c] : clients_)
    if (!next || deadline_of(c) < *next) next = deadline_of(c);
  return next;
}

void ControlServer::expire(std::chrono::steady_clock::time_point now, const Watch& watch) {
  std::vector<int> idle;
  for (const auto& [fd, c] : clients_)
    if (deadline_of(c) <= now) idle.push_back(fd);
  for (int fd : idle) close_client(fd, watch);
}

void ControlServer::on_readable(int client, const Handler& handler, const Watch& watch) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  it->second.last_active = std::chrono::steady_clock::now();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(client, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // EOF or an error: a client waiting for an answer hung up.
    if (n <= 0) return close_client(client, watch);
    it->second.in.append(buf, static_cast<std::size_t>(n));
    // Complete lines are answered as they come, so only an unfinished line is held.
    for (;;) {
      auto nl = it->second.in.find('\n');
      if (nl == std::string::npos) break;
      std::string line = it->second.in.substr(0, nl);
      it->second.in.erase(0, nl + 1);
      answer(client, line, handler, watch);
      it = clients_.find(client);
      if (it == clients_.end()) return;  // closed while answering
    }
    if (it->second.in.size() > kMaxControlLine) return close_client(client, watch);
  }
}

void ControlServer::answer(int client, const std::string& line, const Handler& handler, const Watch& watch) {
  json request = nests_deeper_than(line, kMaxJsonDepth) ? json(json::value_t::discarded)
                                                        : json::parse(line, nullptr, false);
  std::optional<json> response;
  if (request.is_discarded() || !request.is_object() || !request.contains("cmd") ||
      !request["cmd"].is_string())
    response = json{{"ok", false}, {"error", "expected one JSON object with a string \"cmd\" per line"}};
  else
    response = handler(client, request);
  if (response) respond(client, *response, watch);
}

void ControlServer::respond(int client, const json& response, const Watch& watch) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  std::string out = control::encode_line(response);
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::send(client, out.data() + done, out.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // A client that does not read its answers is dropped rather than buffered for.
    if (n <= 0) return close_client(client, watch);
    done += static_cast<std::size_t>(n);
  }
}

void ControlServer::close_client(int client, const Watch& watch) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  // A client that hung up waits for nothing any more: its ids are freed with it.
  for (const auto& id : it->second.waits) {
    auto w = waiting_.find(id);
    if (w == waiting_.end()) continue;
    w->second.erase(client);
    if (w->second.empty()) waiting_.erase(w);
  }
  clients_.erase(it);
  watch(client, false);
}

}  // namespace csd::watchdog
