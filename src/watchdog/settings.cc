#include "watchdog/settings.h"

#include "contract/bind.h"
#include "contract/naming.h"
#include "contract/resolve.h"
#include "util/file.h"
#include "util/strings.h"
#include "util/user.h"

namespace csd::watchdog {

Result<Settings> settings_from_contract(const Contract& c, const Root& root) {
  Settings s;
  s.contract_path = c.source;
  s.contract_name = c.name;
  s.contract_version = c.version;
  s.runtime_dir = root.map(c.paths.runtime_dir);
  s.restart_flag = root.map(c.paths.restart_flag);
  s.pid_file = root.map(c.paths.pid_file);
  s.state_file = root.map(c.paths.state_file);
  s.control_socket = root.map(c.paths.control_socket);
  s.policy = policy_config(c.watchdog);
  s.flag_max_age = std::chrono::duration_cast<Micros>(c.watchdog.flag_max_age);
  s.history_limit = c.watchdog.history_limit;
  s.workers = c.service.workers;
  s.health_url = c.service.health_url;
  if (std::string path = unix_bind_path(c.service.bind); !path.empty()) s.health_socket = root.map(path);
  s.reload_timeout = c.watchdog.reload_timeout;
  s.restart_on_unconfirmed = c.watchdog.on_unconfirmed == "restart";
  auto uid = uid_of_user(c.service.user);
  if (!uid) {
    Error e = uid.error();
    e.file = c.source;
    return e;
  }
  s.master.uid = *uid;
  s.master.prefix = root.map(c.conda.prefix);
  s.master.app_unit = app_unit(c);
  if (c.service.zero_downtime) {
    s.active_file = root.map(active_instance_path(c));
    for (int i = 0; i < 2; ++i) {
      const char* name = i == 0 ? "blue" : "green";
      s.pid_file_of[i] = root.map(instance_pid_file(c, name));
      s.app_unit_of[i] = app_instance(c, name);
    }
    // s.pid_file stays the layout's own, which no instance writes: when the record cannot be
    // read, follow_active() gives it back and the proof fails rather than follow a guess.
    if (c.watchdog.restart_mode == "swap") s.swap_request = root.map(swap_request_path(c));
  }
  return s;
}

std::string active_instance(const Settings& s) {
  if (s.active_file.empty()) return "";
  if (!path_exists(s.active_file)) return "blue";  // nothing swapped yet (swap/swap.h)
  auto text = read_file(s.active_file, {.max_bytes = 64, .follow_symlinks = false});
  if (!text) return "";
  std::string name(trim(*text));
  return is_instance_name(name) ? name : "";
}

Settings follow_active(const Settings& s) {
  std::string active = active_instance(s);
  if (active.empty()) return s;
  Settings out = s;
  int i = active == "blue" ? 0 : 1;
  out.pid_file = s.pid_file_of[i];
  out.master.app_unit = s.app_unit_of[i];
  return out;
}

Result<Settings> load_settings(const std::string& contract_path, const Root& root, const std::string& home) {
  auto c = load_resolved_contract(contract_path, root, home);
  if (!c) return c.error();
  return settings_from_contract(*c, root);
}

nlohmann::json paths_json(const Settings& s) {
  return {{"runtime_dir", s.runtime_dir},
          {"restart_flag", s.restart_flag},
          {"pid_file", follow_active(s).pid_file},
          {"state_file", s.state_file},
          {"control_socket", s.control_socket}};
}

}  // namespace csd::watchdog
