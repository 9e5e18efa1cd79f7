// The zero-downtime layout ([service] zero_downtime): a socket unit holds service.bind, and two
// instances of an app template take turns on it, each also listening on its own unix socket so
// it can be probed before it takes traffic. See docs/deploy.md, "Zero-downtime layout".
#include <fmt/format.h>

#include "contract/bind.h"
#include "contract/naming.h"
#include "render/render.h"
#include "render/unit_parts.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::render::parts {

namespace {

using systemd::UnitWriter;

// FreeBind= lets the socket bind an address not (yet) configured on this host, which a socket
// started early at boot needs; loopback and the wildcard are always there.
bool needs_freebind(const std::string& bind) {
  if (!unix_bind_path(bind).empty()) return false;
  std::string host = bind_host(bind);
  return !is_loopback_host(host) && host != "0.0.0.0" && host != "[::]" && host != "*";
}

// Every "@@csd-instance@@" becomes the instance specifier.
Result<std::string> with_instance(Result<std::string> text) {
  if (!text) return text;
  std::string out = *text;
  const std::string word = kInstanceWord;
  for (auto at = out.find(word); at != std::string::npos; at = out.find(word, at + 2))
    out.replace(at, word.size(), "%i");
  return out;
}

// A unit that starts and stops with the target: its head, PartOf= the target, then its own section.
UnitWriter part_of_target(const Contract& c, const std::string& what, const char* section) {
  UnitWriter u = common_head(c, what);
  u.set("PartOf", target_unit(c));
  u.section(section);
  return u;
}

Result<std::string> socket_text(const Contract& c) {
  UnitWriter u = part_of_target(c, "listening socket", "Socket");
  u.comment(fmt::format(
      "Held by systemd, so no connection is refused while an instance starts or stops. Both instances of\n"
      "{} inherit it (Sockets=); Service= is the listener, which never fails, never one of them:\n"
      "otherwise stopping that one would make systemd watch the socket again (docs/deploy.md).",
      app_unit(c)));
  u.set("ListenStream", listen_stream(c.service.bind));
  if (needs_freebind(c.service.bind)) u.set("FreeBind", "yes");
  if (!unix_bind_path(c.service.bind).empty()) {
    u.comment(
        "Clients connect as the service's group (add the web server's user to it); the file goes with the\n"
        "socket, so nothing is left behind when the layout is switched back (docs/deploy.md).");
    u.set_text("SocketUser", c.service.user).set_text("SocketGroup", c.service.group);
    u.set("SocketMode", "0660");
    u.set("RemoveOnStop", "yes");
  }
  u.comment("gunicorn's own default backlog: what queues while the next instance boots.");
  u.set("Backlog", "2048");
  u.set("Service", holder_unit(c));
  return u.render();
}

Result<std::string> health_socket_text(const Contract& c) {
  UnitWriter u = part_of_target(c, std::string("health socket of instance ") + kInstanceWord, "Socket");
  u.comment(
      "Only this instance listens here: deploy probes the health URL's path through it before the swap.");
  u.set("ListenStream", health_socket_path(c, kInstanceWord));
  u.set("SocketMode", "0600");
  u.comment("Nothing left behind when the layout is switched back.");
  u.set("RemoveOnStop", "yes");
  u.set("Service", holder_unit(c));
  return with_instance(u.render());
}

Result<std::string> holder_text(const Contract& c, const UnitWriter& sandbox) {
  UnitWriter u = part_of_target(c, "socket listener", "Service");
  u.comment(
      "The sockets' Service=: while it runs, systemd leaves the sockets to the instances and starts\n"
      "nothing on a connection. It must never fail (a socket whose service keeps failing is failed).");
  u.set("Type", "simple");
  u.set("ExecStart", "/bin/sleep infinity");
  u.set("Restart", "always").set("RestartSec", "1");
  u.set_text("User", c.service.user).set_text("Group", c.service.group);
  u.append(sandbox);
  return u.render();
}

Result<std::string> target_text(const Contract& c) {
  UnitWriter u = common_head(c, "service (socket, active instance, watchdog)");
  u.comment(
      fmt::format("The operator's handle: systemctl start|stop|restart {}. The active instance is the one\n"
                  "enabled into it ({}.wants/); deploy moves that link.",
                  target_unit(c), target_unit(c)));
  // Both health sockets up front: a socket cannot start while its Service= (the listener) runs.
  std::string wants = socket_unit(c) + " " + health_socket_unit(c, "blue") + " " +
                      health_socket_unit(c, "green") + " " + holder_unit(c) + " " + watchdog_unit(c);
  for (const auto& w : c.workers) wants += " " + worker_unit(c, w);
  if (c.watchdog.restart_mode == "swap") wants += " " + swap_path_unit(c);
  u.set("Wants", wants);
  u.set("After", socket_unit(c) + " " + holder_unit(c));
  return finish(u);
}

// The app template; `trial`: the same instance without the shared socket (docs/deploy.md).
Result<std::string> template_text(const Contract& c, const std::vector<std::string>& argv,
                                  const UnitWriter& sandbox, bool trial) {
  std::string instance = kInstanceWord;
  UnitWriter u = common_head(c, (trial ? "trial of instance " : "application, instance ") + instance);
  if (trial)
    u.comment(
        "The instance as it will run, on its health socket alone: deploy asks it the health URL before the\n"
        "instance itself starts on the shared socket, so an instance that would answer 5xx never takes "
        "traffic.");
  std::string sockets = (trial ? "" : socket_unit(c) + " ") + health_socket_unit(c, instance);
  u.set("After", "network.target " + sockets);
  u.set("Requires", sockets);
  if (!trial) u.set("Wants", watchdog_unit(c));
  u.set("PartOf", target_unit(c));
  u.section("Service");
  u.comment("gunicorn sends READY=1 itself once the arbiter has booted.");
  u.set("Type", "notify").set("NotifyAccess", "main");
  u.comment(
      "gunicorn serves every inherited descriptor (LISTEN_FDS), and exec keeps them and the PID:\n"
      "the shared socket and this instance's health socket.");
  u.set("Sockets", sockets);
  service_identity(u, c, app_instance(c, instance));
  app_exec(u, c, argv);
  if (trial) {
    // It boots and stops while the active instance serves on the same cores, and answers one probe:
    // the requests being served come first. A cgroup weight, not Nice=, which only orders threads
    // within one cgroup (docs/deploy.md, "CPU while an instance boots").
    u.set("CPUWeight", std::to_string(kBootCpuWeight));
    // A weight weighs against the siblings in one slice: the instances' (docs/deploy.md).
    u.set("Slice", instance_slice(c));
    // No Restart=: a trial that fails is the answer.
    writable_paths(u, c, false);
    u.append(sandbox);
    return with_instance(u.render());
  }
  restart_and_sandbox(u, c, false, sandbox);
  u.section("Install");
  u.set("WantedBy", target_unit(c));
  return with_instance(u.render());
}

Result<std::string> swap_path_text(const Contract& c) {
  UnitWriter u = part_of_target(c, "swap requests of the watchdog", "Path");
  u.comment(fmt::format(
      "The watchdog (its user) may write this file and nothing more; the swap itself runs as root in\n"
      "{}, which removes the file. The narrowest grant there is: no polkit, no sudo.",
      swap_unit(c)));
  u.set_text("PathExists", swap_request_path(c));
  u.set("Unit", swap_unit(c));
  u.section("Install");
  u.set("WantedBy", target_unit(c));
  return u.render();
}

Result<std::string> swap_service_text(const Contract& c) {
  UnitWriter u = common_head(c, "swap to the other instance");
  u.section("Service");
  u.set("Type", "oneshot");
  u.set_exec(
      "ExecStart",
      literal(tool(c, {"deploy", "--contract", c.installed_path(), "--request", swap_request_path(c)})));
  return u.render();
}

}  // namespace

std::vector<std::pair<std::string, Result<std::string>>> zero_downtime_units(
    const Contract& c, const std::vector<std::string>& argv, const UnitWriter& sandbox) {
  std::vector<std::pair<std::string, Result<std::string>>> out;
  for (const auto& word : argv)
    if (word.find(kInstanceWord) != std::string::npos && word != instance_pid_file(c, kInstanceWord))
      out.push_back({app_unit(c), make_error(fmt::format("service.command contains '{}'", kInstanceWord))});
  if (!out.empty()) return out;
  out.push_back({socket_unit(c), socket_text(c)});
  out.push_back({c.name + "-health@.socket", health_socket_text(c)});
  out.push_back({holder_unit(c), holder_text(c, sandbox)});
  out.push_back({target_unit(c), target_text(c)});
  out.push_back({app_unit(c), template_text(c, argv, sandbox, false)});
  out.push_back({c.name + "-trial@.service", template_text(c, argv, sandbox, true)});
  if (c.watchdog.restart_mode == "swap") {
    out.push_back({swap_path_unit(c), swap_path_text(c)});
    out.push_back({swap_unit(c), swap_service_text(c)});
  }
  return out;
}

}  // namespace csd::render::parts
