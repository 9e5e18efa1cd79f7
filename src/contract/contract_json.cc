#include "contract/contract_json.h"

#include <fmt/format.h>

#include <functional>
#include <sstream>

#include "contract/toml.h"

namespace csd {

nlohmann::json contract_to_json(const Contract& c) {
  using nlohmann::json;
  auto ms = [](Millis d) { return format_duration(d); };
  json workers = json::array();
  for (const auto& w : c.workers)
    workers.push_back({{"name", w.name}, {"command", w.command}, {"environment", w.environment}});
  json scripts = json::array();
  for (const auto& s : c.scripts) scripts.push_back({{"path", s.path}});
  json paths = json::object();
  for (const auto& p : kPathKeys) paths[p.key] = c.paths.*p.member;
  return {
      {"contract", {{"name", c.name}, {"version", c.version}, {"tool", c.tool}, {"source", c.source}}},
      {"conda",
       {{"root", c.conda.root},
        {"env", c.conda.env},
        {"prefix", c.conda.prefix},
        {"python", c.conda.python},
        {"require", c.conda.require},
        {"activate_timeout", ms(c.conda.activate_timeout)}}},
      {"service",
       {{"user", c.service.user},
        {"group", c.service.group},
        {"workdir", c.service.workdir},
        {"command", c.service.command},
        {"environment_file", c.service.environment_file},
        {"secrets_file", c.service.secrets_file},
        {"bind", c.service.bind},
        {"health_url", c.service.health_url},
        {"workers", c.service.workers},
        {"graceful_timeout", ms(c.service.graceful_timeout)},
        {"environment", c.service.environment},
        {"allow_outside_env", c.service.allow_outside_env},
        {"memory_deny_write_execute", c.service.memory_deny_write_execute},
        {"zero_downtime", c.service.zero_downtime}}},
      {"paths", paths},
      {"watchdog",
       {{"cooldown", ms(c.watchdog.cooldown)},
        {"retry_budget", c.watchdog.retry_budget},
        {"churn_threshold", c.watchdog.churn_threshold},
        {"window", ms(c.watchdog.window)},
        {"reload_timeout", ms(c.watchdog.reload_timeout)},
        {"flag_max_age", ms(c.watchdog.flag_max_age)},
        {"history_limit", c.watchdog.history_limit},
        {"guarded_mode", c.watchdog.guarded_mode},
        {"on_unconfirmed", c.watchdog.on_unconfirmed},
        {"watchdog_sec", ms(c.watchdog.watchdog_sec)},
        {"restart_mode", c.watchdog.restart_mode}}},
      {"worker", workers},
      {"script", scripts},
  };
}

std::string contract_to_toml(const Contract& c) {
  // Built from the JSON form so the two can never disagree; `source` is not a contract key.
  nlohmann::json j = contract_to_json(c);
  j["contract"].erase("source");
  toml::table doc;
  std::function<toml::table(const nlohmann::json&)> to_table;
  std::function<void(toml::array&, const nlohmann::json&)> push;
  auto insert = [&](toml::table& t, const std::string& k, const nlohmann::json& v) {
    if (v.is_string())
      t.insert(k, v.get<std::string>());
    else if (v.is_boolean())
      t.insert(k, v.get<bool>());
    else if (v.is_number_integer())
      t.insert(k, v.get<std::int64_t>());
    else if (v.is_object())
      t.insert(k, to_table(v));
    else if (v.is_array()) {
      toml::array a;
      for (const auto& item : v) push(a, item);
      t.insert(k, std::move(a));
    }
  };
  push = [&](toml::array& a, const nlohmann::json& v) {
    if (v.is_string())
      a.push_back(v.get<std::string>());
    else if (v.is_object())
      a.push_back(to_table(v));
  };
  to_table = [&](const nlohmann::json& obj) {
    toml::table t;
    for (const auto& [k, v] : obj.items()) insert(t, k, v);
    return t;
  };
  for (const char* section : {"contract", "conda", "service", "paths", "watchdog"})
    doc.insert(section, to_table(j[section]));
  for (const char* list : {"worker", "script"}) {
    if (j[list].empty()) continue;
    toml::array a;
    for (const auto& item : j[list]) a.push_back(to_table(item));
    doc.insert(list, std::move(a));
  }
  std::ostringstream out;
  out << doc << "\n";
  return out.str();
}

}  // namespace csd
