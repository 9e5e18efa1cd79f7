#include "verify/listing.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "contract/contract.h"
#include "contract/installed.h"
#include "contract/naming.h"

namespace csd::verify {

namespace {

std::string role_of(const Contract& c, const std::string& unit) {
  if (unit == app_unit(c)) return "app";
  if (unit == watchdog_unit(c)) return "watchdog";
  return "worker";
}

std::string local_time(std::uint64_t usec) {
  if (usec == 0) return "-";
  std::time_t t = static_cast<std::time_t>(usec / 1'000'000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string state(const ListedUnit& u) {
  if (u.load_state != "loaded" && u.load_state != "unknown") return u.load_state;
  return u.active_state + "/" + u.sub_state;
}

}  // namespace

Result<std::vector<Listed>> list_installed(const Root& root, host::Systemd* systemd) {
  auto names = installed_contracts(root);
  if (!names) return names.error();
  std::vector<Listed> out;
  for (const auto& name : *names) {
    Listed l{.name = name, .contract = std::string(kContractDir) + "/" + name + ".toml"};
    auto c = load_contract(root.map(l.contract));
    if (!c) {
      l.error = c.error().message;
      out.push_back(std::move(l));
      continue;
    }
    l.version = c->version;
    l.environment = c->conda.env.empty() ? c->conda.prefix : c->conda.env;
    for (const auto& unit : all_units(*c)) {
      ListedUnit u{.name = unit, .role = role_of(*c, unit)};
      if (systemd) {
        if (auto s = systemd->unit(unit)) {
          u.load_state = s->load_state;
          u.active_state = s->active_state;
          u.sub_state = s->sub_state;
          if (u.role == "app") {
            l.main_pid = s->main_pid;
            l.active_since_usec = s->active_enter_usec;
          }
        }
      }
      l.units.push_back(std::move(u));
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::string listing_text(const std::vector<Listed>& listed) {
  struct Row {
    std::string cells[8];
  };
  std::vector<Row> rows = {
      {{"CONTRACT", "VERSION", "ENVIRONMENT", "APP", "WATCHDOG", "WORKERS", "MAIN PID", "SINCE"}}};
  for (const auto& l : listed) {
    if (!l.error.empty()) {
      rows.push_back({{l.name, "-", "-", "unreadable", "-", "-", "-", l.error}});
      continue;
    }
    std::string app = "-", watchdog = "-";
    int workers = 0, workers_active = 0;
    for (const auto& u : l.units) {
      if (u.role == "app")
        app = state(u);
      else if (u.role == "watchdog")
        watchdog = state(u);
      else {
        ++workers;
        workers_active += u.active_state == "active";
      }
    }
    rows.push_back({{l.name, l.version, l.environment, app, watchdog,
                     workers ? fmt::format("{}/{} active", workers_active, workers) : "-",
                     l.main_pid ? std::to_string(l.main_pid) : "-", local_time(l.active_since_usec)}});
  }
  std::size_t width[8] = {};
  for (const auto& r : rows)
    for (int i = 0; i < 8; ++i) width[i] = std::max(width[i], r.cells[i].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (int i = 0; i < 8; ++i) line += fmt::format("{:<{}}  ", r.cells[i], width[i]);
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  out += fmt::format("\n{} contract(s) installed in {}.\n", listed.size(), kContractDir);
  return out;
}

nlohmann::json listing_json(const std::vector<Listed>& listed) {
  nlohmann::json contracts = nlohmann::json::array();
  for (const auto& l : listed) {
    nlohmann::json j = {{"name", l.name}, {"contract", l.contract}};
    if (!l.error.empty()) {
      j["error"] = l.error;
      contracts.push_back(j);
      continue;
    }
    j["version"] = l.version;
    j["environment"] = l.environment;
    j["main_pid"] = l.main_pid;
    j["active_since_usec"] = l.active_since_usec;
    nlohmann::json units = nlohmann::json::array();
    for (const auto& u : l.units)
      units.push_back({{"name", u.name},
                       {"role", u.role},
                       {"load", u.load_state},
                       {"active", u.active_state},
                       {"sub", u.sub_state}});
    j["units"] = units;
    contracts.push_back(j);
  }
  return {{"contracts", contracts}};
}

}  // namespace csd::verify
