// The control protocol: bytes sent by a client on the watchdog's real control socket, read and
// split into requests by ControlServer::on_readable, answered the way the watchdog's handler
// answers (loop.cc: ping, status, restart-wait with a string request_id, else an error), and the
// answers sent back and read by the client.
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <set>

#include "fuzz.h"
#include "util/fd.h"
#include "watchdog/control.h"

using namespace csd::watchdog;
using nlohmann::json;

namespace {

ControlServer& server() {
  static ControlServer s = [] {
    auto listening = ControlServer::listen(csd::fuzz::scratch_dir() + "/control.sock", 0600);
    if (!listening) std::abort();
    return std::move(*listening);
  }();
  return s;
}

std::optional<json> answer(const json& req) {
  std::string cmd = req["cmd"].get<std::string>();
  if (cmd == "ping") return json{{"ok", true}, {"pid", 1}};
  if (cmd == "restart-wait") {
    if (!req.contains("request_id") || !req["request_id"].is_string())
      return json{{"ok", false}, {"error", "restart-wait needs a string request_id"}};
    std::string id = req["request_id"].get<std::string>();
    if (id.size() % 2) return std::nullopt;  // undecided: answered later with respond()
    return json{{"ok", true}, {"request_id", id}, {"record", req}};
  }
  return json{{"ok", false}, {"error", "unknown command '" + cmd + "'"}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ControlServer& s = server();
  std::set<int> watched;
  auto watch = [&](int fd, bool add) { add ? (void)watched.insert(fd) : (void)watched.erase(fd); };

  csd::Fd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, s.path().c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) std::abort();
  s.on_acceptable(watch);
  if (watched.size() != 1) std::abort();
  int conn = *watched.begin();

  std::vector<int> later;
  auto handler = [&](int c, const json& req) {
    auto a = answer(req);
    if (!a) later.push_back(c);
    return a;
  };
  std::size_t sent = 0;
  while (sent < size && s.is_client(conn)) {
    ssize_t n = ::send(client.get(), data + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
    s.on_readable(conn, handler, watch);
  }
  for (int c : later) s.respond(c, {{"ok", true}, {"late", true}}, watch);
  char buf[4096];
  while (::recv(client.get(), buf, sizeof(buf), MSG_DONTWAIT) > 0) {
  }
  client.reset();
  if (s.is_client(conn)) s.on_readable(conn, handler, watch);
  csd::fuzz::fuzz_check(!s.is_client(conn), "a client that hung up is forgotten");
  return 0;
}
