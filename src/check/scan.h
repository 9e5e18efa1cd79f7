// Reading commands and scripts for what the contract forbids or pins down: wrappers, venv
// assumptions and runtime paths. Shared by the unit, environment-file and script checks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace csd::check {

// "conda run", "bash -lc", "sh -c", "source activate", "conda activate": the wrapper, or "".
std::string find_wrapper(std::string_view text);
// "venv/", ".venv", "virtualenv", "bin/activate", "pyvenv.cfg": the first marker, or "".
std::string find_venv_marker(std::string_view text);

// A path a line of shell (or an Exec line) gives to a variable or option that the contract pins.
struct Mention {
  std::string name;   // "WATCHDOG_PID_FILE" or "--pid"
  std::string value;  // the path, with ${NAME:-default} reduced to the default
};
// Assignments NAME=VALUE / export NAME=VALUE / NAME="${NAME:-VALUE}" of the given names, and
// gunicorn's --pid/-p options.
std::vector<Mention> find_mentions(std::string_view line, const std::vector<std::string>& names);

}  // namespace csd::check
