#include "render/deployed.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "contract/naming.h"
#include "contract/resolve.h"
#include "render/install.h"
#include "util/duration.h"
#include "util/file.h"
#include "util/json_text.h"
#include "util/strings.h"

namespace csd::render {

using nlohmann::json;

namespace {

std::string string_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

constexpr std::size_t kOperationsKept = 20;

}  // namespace

Result<json> read_deploy_record(const std::string& path, const Root& root) {
  std::string host = root.map(path);
  if (!path_exists(host)) return json::object();
  auto text = read_file(host, ReadOptions{.max_bytes = 4 << 20, .follow_symlinks = false});
  if (!text) return text.error();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object())
    return file_error(path, "the deploy record is not a JSON object",
                      "move it aside; `render --drop-deploy` writes a new one from the contract");
  return j;
}

Status write_deploy_record(const std::string& path, const json& record, const Root& root) {
  std::string text = json_text(record, 2) + "\n";
  auto written = install({{path, text, 0644}}, root);
  if (!written) return written.error();
  return ok_status();
}

void append_operation(json& record, json operation) {
  json ops =
      record.contains("operations") && record["operations"].is_array() ? record["operations"] : json::array();
  ops.push_back(std::move(operation));
  while (ops.size() > kOperationsKept) ops.erase(ops.begin());
  record["operations"] = std::move(ops);
}

CondaTarget written_target(const Contract& c) {
  if (!c.conda.env.empty()) return {.env = c.conda.env};
  return {.prefix = c.conda.prefix};
}

Result<std::optional<Deployed>> read_deployed(const Contract& c, const Root& root) {
  std::string path = deploy_record_path(c);
  auto record = read_deploy_record(path, root);
  if (!record) return record.error();
  auto current = record->find("current");
  if (current == record->end() || current->is_null()) return std::optional<Deployed>();
  std::string key = current->is_object() ? string_at(*current, "key") : "";
  std::string value = current->is_object() ? string_at(*current, "value") : "";
  if ((key != "env" && key != "prefix") || value.empty())
    return file_error(path,
                      "the deploy record's \"current\" names no environment (key env or prefix, a value)",
                      "move the record aside; `render --drop-deploy` writes a new one from the contract");
  Deployed d;
  (key == "env" ? d.target.env : d.target.prefix) = value;
  d.since = string_at(*current, "since");
  d.by = string_at(*current, "by");
  d.operation = string_at(*current, "operation");
  return std::optional<Deployed>(d);
}

Result<Effective> apply_deployed(const std::string& text, const Contract& parsed, const Root& root) {
  // The installed copy is what deploy itself wrote: the record describes it, never overrides it
  // (a deploy writes the copy first and the record when it ends).
  struct stat given {
  }, installed{};
  if (::stat(parsed.source.c_str(), &given) == 0 &&
      ::stat(root.map(parsed.installed_path()).c_str(), &installed) == 0 &&
      given.st_dev == installed.st_dev && given.st_ino == installed.st_ino)
    return Effective{text, std::nullopt};
  auto deployed = read_deployed(parsed, root);
  if (!deployed) return deployed.error();
  if (!*deployed || (*deployed)->target == written_target(parsed)) return Effective{text, std::nullopt};
  auto switched = set_conda_target(text, (*deployed)->target, parsed.source);
  if (!switched) return switched.error();
  return Effective{*switched, *deployed};
}

Result<EffectiveContract> effective_contract(const Contract& source, const std::string& text,
                                             const Root& root, const std::string& home) {
  auto applied = apply_deployed(text, source, root);
  if (!applied) return applied.error();
  if (!applied->kept) return EffectiveContract{source, text, ""};
  const Deployed& d = *applied->kept;
  auto parsed = parse_contract(applied->text, source.source);
  if (!parsed) return parsed.error();
  auto resolved = resolve_contract(std::move(parsed).value(), root, home);
  if (!resolved) return resolved.error();
  std::string note = fmt::format("keeps [conda] {} set by {} on {} by {} (the contract says {})",
                                 d.target.spec(), d.operation.empty() ? "deploy" : d.operation, d.since,
                                 d.by.empty() ? "?" : d.by, written_target(source).spec());
  return EffectiveContract{std::move(resolved).value(), applied->text, note};
}

Status drop_deployed(const Contract& c, const Root& root, const std::string& who, const std::string& at) {
  std::string path = deploy_record_path(c);
  auto deployed = read_deployed(c, root);
  if (deployed && (!*deployed || (*deployed)->target == written_target(c))) return ok_status();
  auto record = read_deploy_record(path, root);
  // A damaged record is what --drop-deploy is for: start a new one.
  json j = record ? *record : json::object();
  CondaTarget own = written_target(c);
  json current = {{"key", own.env.empty() ? "prefix" : "env"},
                  {"value", own.env.empty() ? own.prefix : own.env},
                  {"prefix", c.conda.prefix},
                  {"since", at},
                  {"by", who},
                  {"operation", "render --drop-deploy"}};
  if (j.contains("current") && j["current"].is_object()) j["previous"] = j["current"];
  j["current"] = current;
  append_operation(j, {{"operation", "render --drop-deploy"},
                       {"by", who},
                       {"at", at},
                       {"to", current},
                       {"result", "dropped"}});
  return write_deploy_record(path, j, root);
}

Result<Fd> lock_deployment(const Contract& c, const Root& root, bool create, Millis wait) {
  std::string dir = root.map(parent_dir(deploy_record_path(c)));
  if (!is_directory(dir)) {
    if (!create) return Fd();
    // Deploy may come before the watchdog ever started (and created it); systemd fixes the owner
    // at the watchdog's next start (StateDirectory=).
    std::string partial;
    for (const auto& part : split(dir, '/')) {
      if (part.empty()) continue;
      partial += "/" + part;
      if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
        return file_error(dir, fmt::format("cannot create the state directory: {}", std::strerror(errno)));
    }
  }
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return file_error(dir, fmt::format("cannot open: {}", std::strerror(errno)));
  // Polled rather than a blocking flock: the wait is bounded without a signal to interrupt it.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR)
      return file_error(dir, fmt::format("cannot lock: {}", std::strerror(errno)));
    if (std::chrono::steady_clock::now() >= deadline)
      return file_error(dir,
                        wait.count() > 0
                            ? fmt::format("another render, deploy or rollback of this service held the lock "
                                          "for all of {}",
                                          format_duration(wait))
                            : std::string("another render, deploy or rollback of this service is running "
                                          "(it holds the lock)"),
                        "wait for it to finish, then try again")
          .as(ErrorKind::kConflict);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fd;
}

}  // namespace csd::render
