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

int Report::warnings() const { return static_cast<int>(findings_.size()) - errors(); }

std::vector<Finding> Report::sorted() const {
  std::vector<Finding> out = findings_;
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.file != b.file) return a.file < b.file;
    return a.line < b.line;
  });
  return out;
}

}  // namespace csd::check
