#include "check/inherited_sockets.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include "contract/bind.h"
#include "contract/naming.h"
#include "util/strings.h"

namespace csd::check {

std::string bind_address(const std::string& bind) {
  if (!unix_bind_path(bind).empty()) return unix_bind_path(bind);
  std::string stream = listen_stream(bind);  // "localhost" made 127.0.0.1, as the socket unit has it
  auto colon = stream.rfind(':');
  if (colon == std::string::npos) return "";
  std::string host = stream.substr(0, colon), port = stream.substr(colon + 1);
  char text[INET6_ADDRSTRLEN] = {};
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr a6{};
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6) != 1) return "";
    ::inet_ntop(AF_INET6, &a6, text, sizeof text);
    return fmt::format("[{}]:{}", text, port);
  }
  in_addr a4{};
  if (::inet_pton(AF_INET, host.c_str(), &a4) != 1) return "";
  ::inet_ntop(AF_INET, &a4, text, sizeof text);
  return fmt::format("{}:{}", text, port);
}

Status check_inherited_sockets(const Contract& c, const std::vector<host::InheritedSocket>& sockets,
                               const std::string& unit) {
  if (c.service.bind.empty()) return ok_status();
  const std::string want = bind_address(c.service.bind);
  const std::string port = c.service.bind.substr(c.service.bind.rfind(':'));
  bool on_bind = false;
  for (const auto& s : sockets) {
    if (c.service.zero_downtime &&
        (s.address == health_socket_path(c, "blue") || s.address == health_socket_path(c, "green")))
      continue;
    // A host name: only the port can be compared.
    bool same = want.empty() ? unix_bind_path(c.service.bind).empty() && ends_with(s.address, port)
                             : s.address == want;
    if (same && s.listening) {
      on_bind = true;
      continue;
    }
    std::string what =
        same ? fmt::format("the inherited socket on {} (descriptor {}, LISTEN_FDS) is not listening",
                           s.address, s.fd)
             : fmt::format(
                   "the inherited socket (descriptor {}, LISTEN_FDS) listens on {}, not on service.bind {}",
                   s.fd, s.address, c.service.bind);
    return file_error(
        c.source, what + ": gunicorn serves every inherited socket and ignores its --bind",
        c.service.zero_downtime
            ? fmt::format("a running socket keeps its address until daemon-reload and its restart: "
                          "systemctl daemon-reload && systemctl restart {} (docs/deploy.md)",
                          target_unit(c))
            : "the unit's Sockets= or its .socket unit names another address than the contract");
  }
  if (on_bind || !c.service.zero_downtime ||
      (unit != app_instance(c, "blue") && unit != app_instance(c, "green")))
    return ok_status();
  std::string passed;
  for (const auto& s : sockets) passed += (passed.empty() ? "" : ", ") + s.address;
  return file_error(c.source,
                    fmt::format("{} inherits no socket on service.bind {} (LISTEN_FDS: {}): gunicorn would "
                                "serve its health socket alone",
                                unit, c.service.bind, passed.empty() ? "none" : passed),
                    fmt::format("systemd closes a socket whose address changed at daemon-reload and passes "
                                "nothing until it restarts: systemctl restart {} (docs/deploy.md)",
                                target_unit(c)));
}

}  // namespace csd::check
