#include "check/finding.h"

#include <algorithm>

namespace csd::check {

const std::vector<Code>& codes() {
  static const std::vector<Code> table = {
      {"CSD101", "a wrapper (conda run, bash -lc, sh -c, source activate) runs the command"},
      {"CSD102", "a binary outside the contract's conda environment"},
      {"CSD103", "a venv assumption"},
      {"CSD104", "the PID file differs from the contract"},
      {"CSD105", "the restart flag differs from the contract"},
      {"CSD106", "the state file differs from the contract"},
      {"CSD107", "the runtime directory differs from the contract"},
      {"CSD108", "ReadWritePaths= does not cover a path the unit writes"},
      {"CSD109", "a shared RuntimeDirectory= that a stop deletes under another unit"},
      {"CSD110", "User=, Group= or WorkingDirectory= differs from the contract"},
      {"CSD111", "an environment file line that systemd reads differently from a shell"},
      {"CSD112", "an environment file that cannot be read"},
      {"CSD113", "a unit rendered from another contract version, or not by conda-systemd"},
      {"CSD114", "a unit of the contract is not installed"},
      {"CSD115", "a unit file that cannot be read or parsed"},
      {"CSD116", "an environment variable differs from the contract"},
      {"CSD117", "a declared script is missing or unreadable"},
      {"CSD119", "a unit runs conda-systemd from another path than the contract's tool"},
      {"CSD120", "the conda environment is missing, not conda, or a venv"},
      {"CSD121", "the environment's Python version differs from the contract"},
      {"CSD122", "a required package is missing from the environment"},
      {"CSD123", "an entry point's interpreter lies outside the environment"},
      {"CSD124", "the command is not in the environment"},
      {"CSD130", "the restart flag's directory is writable by other users"},
      {"CSD131", "a runtime path under /tmp in a unit with PrivateTmp=yes"},
      {"CSD132", "a setting differs from what render writes"},
      {"CSD133", "hardening weakened: a sandboxing setting differs from what render writes"},
      {"CSD134", "an orphaned unit: rendered from this contract, which no longer renders it"},
      {"CSD135", "two installed contracts claim the same path, unit name or address"},
      {"CSD136", "an installed contract cannot be read"},
      {"CSD140", "a drop-in adds a setting render does not write (accepted)"},
  };
  return table;
}

const char* title_of(const std::string& code) {
  for (const auto& c : codes())
    if (code == c.code) return c.title;
  return "";
}

int Report::errors() const {
  return static_cast<int>(std::count_if(findings_.begin(), findings_.end(),
                                        [](const Finding& f) { return f.severity == Severity::kError; }));
}

int Report::warnings() const {
  return static_cast<int>(std::count_if(findings_.begin(), findings_.end(),
                                        [](const Finding& f) { return f.severity == Severity::kWarning; }));
}

int Report::notes() const {
  return static_cast<int>(findings_.size()) - errors() - warnings();
}

bool Report::explains(const std::string& unit, const std::string& key) const {
  return std::any_of(findings_.begin(), findings_.end(), [&](const Finding& f) {
    return f.unit == unit && std::find(f.keys.begin(), f.keys.end(), key) != f.keys.end();
  });
}

std::vector<Finding> Report::sorted() const {
  std::vector<Finding> out = findings_;
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.file != b.file) return a.file < b.file;
    return a.line < b.line;
  });
  return out;
}

}  // namespace csd::check
