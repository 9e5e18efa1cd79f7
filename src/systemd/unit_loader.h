// A unit as systemd 252 assembles it from its search path: the main file (the first directory that
// has it wins), then every drop-in "<dir>/<name>.d/*.conf", sorted by file name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "systemd/specifiers.h"
#include "systemd/unit_file.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::systemd {

struct UnitSource {
  std::string path;  // as the deployment sees it (without the --root prefix)
  bool drop_in = false;
  bool masked = false;  // empty or a link to /dev/null: contributes nothing, hides same-named files

  bool operator==(const UnitSource&) const = default;
};

// The drop-in directories read so far, by deployment path: their "*.conf" names, or why they could
// not be read. Given to several load_unit calls over files that do not change meanwhile (one
// `check`), it reads a directory many units share (service.d, app-.service.d) once.
struct DropinCache {
  std::map<std::string, std::pair<std::vector<std::string>, std::optional<Error>>> dirs;
};

class UnitConfig {
 public:
  // The unit's name; for an alias (a link to another unit file) the name of the unit it links to.
  const std::string& name() const { return name_; }
  const std::vector<std::string>& aliases() const { return aliases_; }
  // The unit file is empty or a link to /dev/null: systemd will not start the unit.
  bool masked() const { return masked_; }
  // The main file as systemd shows it: the file in the search path, or for an alias its target.
  const std::string& fragment_path() const { return fragment_path_; }
  // The main file first, then the drop-ins in the order they apply, masked ones included.
  const std::vector<UnitSource>& files() const { return files_; }
  // Drop-in directories that exist but cannot be read: what they set is unknown (systemd, as root,
  // may still apply them). The unit loads without them.
  const std::vector<Error>& problems() const { return problems_; }
  // Every assignment in the order systemd applies them.
  const std::vector<Assignment>& assignments() const { return assignments_; }

  // A list setting as it ends up: all values after the last empty assignment, which resets the list
  // (ExecStart=, Environment=, EnvironmentFile=, ReadWritePaths=, ...).
  std::vector<Assignment> values(std::string_view section, std::string_view key) const;
  // A single-valued setting: the last assignment wins (its value may be empty, meaning the default).
  std::optional<Assignment> last(std::string_view section, std::string_view key) const;
  // The specifier values systemd uses for this unit (%n, %i, %y, ...), worked out once: every
  // Exec*= and Environment= line of every check expands them.
  const SpecifierTable& specifiers() const;

 private:
  friend Result<UnitConfig> load_unit(const Root&, const std::string&, const std::vector<std::string>&,
                                      DropinCache*);
  std::string name_;
  std::vector<std::string> aliases_;
  bool masked_ = false;
  std::string fragment_path_;
  std::string real_path_;  // after all links: what %y names
  std::vector<UnitSource> files_;
  std::vector<Assignment> assignments_;
  std::vector<Error> problems_;
  mutable std::optional<SpecifierTable> specifiers_;
};

// /etc/systemd/system, /run/systemd/system, /usr/lib/systemd/system: highest priority first.
std::vector<std::string> default_unit_dirs();

// Loads `unit_name` from `search_dirs` (deployment paths, taken under `root`). For "foo@bar.service"
// the template "foo@.service" serves when no directory has the instance itself, and the drop-ins of
// the template, of dash-truncated prefixes ("foo-.service.d") and of the type ("service.d") apply
// as in systemd. A drop-in name in an earlier directory hides the same name in a later one.
// Errors: an invalid name, a unit found nowhere, symlink loops, a directory or unreadable file
// where a unit file or drop-in should be, and any syntax error in them. With a `cache`, drop-in
// directories already in it are not read again.
Result<UnitConfig> load_unit(const Root& root, const std::string& unit_name,
                             const std::vector<std::string>& search_dirs = default_unit_dirs(),
                             DropinCache* cache = nullptr);

}  // namespace csd::systemd
