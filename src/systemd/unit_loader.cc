#include "systemd/unit_loader.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>

#include "systemd/paths.h"
#include "systemd/unit_name.h"
#include "util/dir.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::systemd {

namespace {

constexpr int kMaxSymlinkHops = 32;  // as systemd's chase_symlinks()

// Where a chain of symlinks under the root ends, resolving absolute targets inside the root as
// `systemctl --root` does.
struct Resolved {
  std::string path;              // deployment path of the final file
  std::vector<std::string> via;  // deployment paths of the links followed
  bool masked = false;           // ends at /dev/null, or at an empty file or a character device
};

Result<Resolved> resolve(const Root& root, const std::string& start) {
  Resolved r;
  std::string cur = start;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(root.map(cur).c_str(), &st) != 0) {
      int err = errno;
      if (err == ENOENT && hops > 0)
        return file_error(start, fmt::format("is a dangling symbolic link (to {})", cur),
                          "fix or remove the link");
      if (err == ELOOP) return file_error(start, "symbolic link loop", "fix the link");
      return file_error(cur, fmt::format("cannot stat: {}", std::strerror(err)));
    }
    if (!S_ISLNK(st.st_mode)) {
      r.path = cur;
      if (S_ISDIR(st.st_mode))
        return file_error(cur, "is a directory, expected a unit file", "remove or rename the directory");
      r.masked = S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
      return r;
    }
    if (hops >= kMaxSymlinkHops)
      return file_error(start, "symbolic link loop (too many levels of links)", "fix the link");
    char buf[4096];
    ssize_t n = ::readlink(root.map(cur).c_str(), buf, sizeof buf);
    if (n < 0 || static_cast<std::size_t>(n) >= sizeof buf)
      return file_error(cur, "cannot read the symbolic link");
    std::string target(buf, static_cast<std::size_t>(n));
    r.via.push_back(cur);
    if (target == "/dev/null") {
      r.path = cur;
      r.masked = true;
      return r;
    }
    cur = resolve_dot_dot(target[0] == '/' ? target : join_path(parent_dir(cur), target));
  }
}

// systemd's unit_file_find_dirs(): the drop-in directories of one name in one search directory,
// most specific first.
void dropin_dirs(const std::string& dir, const std::string& name, std::vector<std::string>& out) {
  out.push_back(join_path(dir, name + ".d"));
  auto u = parse_unit_name(name);
  if (!u) return;
  if (u->is_instance()) dropin_dirs(dir, u->template_name(), out);
  std::string prefix = u->prefix;
  bool chopped = false;
  for (;;) {
    auto dash = prefix.rfind('-');
    if (dash == std::string::npos || dash == 0) return;
    if (dash + 1 < prefix.size() || chopped) {
      prefix.resize(dash + 1);
      break;
    }
    prefix.resize(dash);  // a trailing dash: drop it and look once more
    chopped = true;
  }
  // Only an instance carries its instance over; a template's prefix becomes a plain name.
  std::string built = u->is_instance() ? prefix + "@" + u->instance + "." + u->type : prefix + "." + u->type;
  if (parse_unit_name(built)) dropin_dirs(dir, built, out);
}

// The "*.conf" names in a directory; none when it does not exist or is not a directory. One that
// exists but cannot be read is added to `problems` under its deployment path `shown`.
std::pair<std::vector<std::string>, std::optional<Error>> read_conf_names(const std::string& dir,
                                                                          const std::string& shown) {
  std::vector<std::string> names;
  auto all = list_dir(dir, "drop-in directory");
  if (!all) {
    if (all.error().is(ErrorKind::kNotFound)) return {names, std::nullopt};
    Error e = all.error();
    e.file = shown;
    e.hint = "make it readable (mode 0755) or remove it";
    return {names, std::move(e)};
  }
  for (auto& n : *all)
    if (n[0] != '.' && ends_with(n, ".conf")) names.push_back(std::move(n));
  return {names, std::nullopt};
}

const std::vector<std::string>& conf_names(const Root& root, const std::string& shown,
                                           std::vector<Error>& problems, DropinCache& cache) {
  auto it = cache.dirs.find(shown);
  if (it == cache.dirs.end()) it = cache.dirs.emplace(shown, read_conf_names(root.map(shown), shown)).first;
  if (it->second.second) problems.push_back(*it->second.second);
  return it->second.first;
}

// The first directory that has `name` (even as a broken link: that is an error to report, not to skip).
std::optional<std::string> find_in(const Root& root, const std::vector<std::string>& dirs,
                                   const std::string& name) {
  for (const auto& dir : dirs) {
    std::string p = join_path(dir, name);
    struct stat st {};
    if (::lstat(root.map(p).c_str(), &st) == 0) return p;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> default_unit_dirs() {
  return {"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system"};
}

std::vector<Assignment> UnitConfig::values(std::string_view section, std::string_view key) const {
  std::vector<Assignment> out;
  for (const auto& a : assignments_) {
    if (a.key != key || a.section != section) continue;
    if (a.value.empty())
      out.clear();
    else
      out.push_back(a);
  }
  return out;
}

std::optional<Assignment> UnitConfig::last(std::string_view section, std::string_view key) const {
  for (auto it = assignments_.rbegin(); it != assignments_.rend(); ++it)
    if (it->key == key && it->section == section) return *it;
  return std::nullopt;
}

const SpecifierTable& UnitConfig::specifiers() const {
  if (!specifiers_) {
    auto n = parse_unit_name(name_);
    specifiers_ = n ? unit_specifiers(*n, real_path_) : SpecifierTable{};
  }
  return *specifiers_;
}

Result<UnitConfig> load_unit(const Root& root, const std::string& unit_name,
                             const std::vector<std::string>& search_dirs, DropinCache* cache) {
  DropinCache own;  // without a caller's cache, one for this unit
  auto parsed = parse_unit_name(unit_name);
  if (!parsed)
    return make_error(fmt::format("\"{}\" is not a valid unit name", unit_name),
                      "unit names look like name.service or name@instance.service");
  if (parsed->is_template())
    return make_error(fmt::format("\"{}\" is a template; load one of its instances", unit_name),
                      "for example " + parsed->prefix + "@name." + parsed->type);

  auto found = find_in(root, search_dirs, unit_name);
  bool from_template = false;
  if (!found && parsed->is_instance()) {
    found = find_in(root, search_dirs, parsed->template_name());
    from_template = found.has_value();
  }
  if (!found) {
    std::string dirs;
    for (const auto& d : search_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
    return make_error(fmt::format("unit {} not found in {}", unit_name, dirs),
                      "install the unit file, or check the name")
        .as(ErrorKind::kNotFound);
  }
  auto resolved = resolve(root, *found);
  if (!resolved) return resolved.error();

  UnitConfig config;
  config.name_ = unit_name;
  config.fragment_path_ = *found;
  config.real_path_ = resolved->path;
  if (resolved->masked) {
    config.masked_ = true;
    config.files_.push_back(UnitSource{*found, false, true});
    return config;
  }
  // A link to a unit file inside the search path makes this name an alias of that unit; a link to a
  // file elsewhere ("systemctl link") keeps the name. So does systemd's unit_file_build_name_map().
  if (!from_template) {
    std::vector<std::string> chain = resolved->via;
    chain.push_back(resolved->path);
    std::string primary = unit_name;
    for (std::size_t i = 1; i < chain.size(); ++i) {
      bool in_search_path = std::any_of(search_dirs.begin(), search_dirs.end(),
                                        [&](const std::string& d) { return path_is_under(chain[i], d); });
      auto n = parse_unit_name(base_name(chain[i]));
      if (in_search_path && n && n->type == parsed->type && !n->is_template()) primary = n->full();
    }
    if (primary != unit_name) {
      config.name_ = primary;
      config.aliases_.push_back(unit_name);
      config.fragment_path_ = resolved->path;  // systemd shows an alias's target as the fragment
    }
  }

  auto fragment = parse_unit_file(root.map(resolved->path), config.fragment_path_);
  if (!fragment) return fragment.error();
  config.files_.push_back(UnitSource{config.fragment_path_, false, false});
  config.assignments_ = std::move(*fragment).take_assignments();

  std::vector<std::string> dirs;
  std::vector<std::string> names = {config.name_};
  names.insert(names.end(), config.aliases_.begin(), config.aliases_.end());
  for (const auto& n : names)
    for (const auto& d : search_dirs) dropin_dirs(d, n, dirs);
  for (const auto& d : search_dirs) dropin_dirs(d, parsed->type, dirs);

  std::map<std::string, std::string> chosen;  // file name -> first path, sorted by file name
  for (const auto& d : dirs)
    for (const auto& n : conf_names(root, d, config.problems_, cache ? *cache : own))
      chosen.emplace(n, join_path(d, n));

  for (const auto& [name, path] : chosen) {
    auto r = resolve(root, path);
    if (!r) return r.error();
    if (r->masked) {
      config.files_.push_back(UnitSource{path, true, true});
      continue;
    }
    auto dropin = parse_unit_file(root.map(r->path), path);
    if (!dropin) return dropin.error();
    config.files_.push_back(UnitSource{path, true, false});
    auto more = std::move(*dropin).take_assignments();
    std::move(more.begin(), more.end(), std::back_inserter(config.assignments_));
  }
  return config;
}

}  // namespace csd::systemd
