#include "contract/finding_codes.h"

namespace csd {

const std::vector<FindingCode>& finding_codes() {
  static const std::vector<FindingCode> table = {
      {"CSD101", "a wrapper (conda run, bash -lc, sh -c, source activate) runs the command",
       "a unit or script starts the command through a wrapper; render, so the units use `exec`"},
      {"CSD102", "a binary outside the contract's conda environment",
       "a program from outside the environment; render, or allow it by name in `service.allow_outside_env`"},
      {"CSD103", "a venv assumption",
       "remove the virtual-environment path from the unit, environment file or script"},
      {"CSD104", "the PID file differs from the contract",
       "render; the PID file is `paths.pid_file` everywhere"},
      {"CSD105", "the restart flag differs from the contract",
       "render; the restart flag is `paths.restart_flag` everywhere"},
      {"CSD106", "the state file differs from the contract",
       "render; the state file is `paths.state_file` everywhere"},
      {"CSD107", "the runtime directory differs from the contract",
       "render; the runtime directory is `paths.runtime_dir` everywhere"},
      {"CSD108", "ReadWritePaths= does not cover a path the unit writes",
       "render; remove drop-ins that narrow the writable paths"},
      {"CSD109", "a shared RuntimeDirectory= that a stop deletes under another unit",
       "render; every unit keeps the shared runtime directory on stop"},
      {"CSD110", "User=, Group= or WorkingDirectory= differs from the contract",
       "render; remove drop-ins that change User=, Group= or WorkingDirectory="},
      {"CSD111", "an environment file line that systemd reads differently from a shell",
       "put comments on their own line, quote values, drop `export`"},
      {"CSD112", "an environment file that cannot be read",
       "render; create the secrets file if the contract names one"},
      {"CSD113", "a unit rendered from another contract version, or not by conda-systemd",
       "render, then `systemctl daemon-reload`"},
      {"CSD114", "a unit of the contract is not installed",
       "render, `systemctl daemon-reload`; `systemctl unmask` a masked unit"},
      {"CSD115", "a unit file that cannot be read or parsed",
       "fix or remove the unreadable unit file or drop-in"},
      {"CSD116", "an environment variable differs from the contract",
       "render; remove drop-ins that set the contract's variables"},
      {"CSD117", "a declared script is missing or unreadable",
       "restore the script, or remove its `[[script]]` entry"},
      {"CSD119", "a unit runs conda-systemd from another path than the contract's tool",
       "render, then `systemctl daemon-reload`: the units run the installed conda-systemd"},
      {"CSD120", "the conda environment is missing, not conda, or a venv",
       "create the environment, or correct `[conda]`"},
      {"CSD121", "the environment's Python version differs from the contract",
       "install the contract's Python in the environment, or change `conda.python`"},
      {"CSD122", "a required package is missing from the environment",
       "`conda install --prefix PREFIX PACKAGE`"},
      {"CSD123", "an entry point's interpreter lies outside the environment",
       "reinstall the package into the environment (it was copied from another prefix)"},
      {"CSD124", "the command is not in the environment", "install the package that provides the command"},
      {"CSD130", "the restart flag's directory is writable by other users",
       "`chmod o-w` the restart flag's directory"},
      {"CSD131", "a runtime path under /tmp in a unit with PrivateTmp=yes",
       "move the runtime paths under /run"},
      {"CSD132", "a setting differs from what render writes",
       "render; a drop-in that changes what render writes: remove or change the drop-in"},
      {"CSD133", "hardening weakened: a sandboxing setting differs from what render writes",
       "hardening weakened: render, or remove the drop-in that weakens it"},
      {"CSD134", "an orphaned unit: rendered from this contract, which no longer renders it",
       "`systemctl disable --now` the orphaned unit, then render (it removes the file)"},
      {"CSD135", "two installed contracts claim the same path, unit name or address",
       "give one of the two contracts its own path, unit name or port"},
      {"CSD136", "an installed contract cannot be read",
       "fix the broken contract in /etc/conda-systemd/, or remove it if its service is gone"},
      {"CSD137", "service.bind cannot be held: the port is in use or the socket path cannot be made",
       "stop what holds the port, or change `service.bind`; for a unix path, fix its directory"},
      {"CSD138", "the contract's tool has no watchdog daemon (conda-systemd-watchdog) beside it",
       "install conda-systemd whole: the Debian package, or `cmake --install`"},
      {"CSD140", "a drop-in adds a setting render does not write (accepted)",
       "nothing: a drop-in adding a setting render does not write is accepted"},
  };
  return table;
}

const FindingCode* find_finding_code(const std::string& code) {
  for (const auto& c : finding_codes())
    if (code == c.code) return &c;
  return nullptr;
}

}  // namespace csd
