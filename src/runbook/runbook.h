// The operations runbook: rendered from the contract, so its paths and commands are the
// deployment's own, and read back, so an older or hand-edited runbook can be checked against the
// contract. See docs/runbook.md.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "contract/contract.h"
#include "util/error.h"

namespace csd::runbook {

// One row of the path table. `key` is stable ("paths.pid_file", "unit.app"): the drift check
// matches rows by it.
struct PathRow {
  std::string key;
  std::string what;
  std::string value;
  int line = 0;  // where it was read from
};

// A literal command and what it prints when all is well: every line of `prints` appears in the
// output, in this order, with other lines allowed between; "…" in a line matches any text.
struct Step {
  std::string command;
  std::vector<std::string> prints;
  std::string intro;  // a paragraph shown before the command
  int line = 0;       // where it was read from; 0 for rendered ones
};

struct Procedure {
  std::string id;  // stable: "install", "deploy", ...
  std::string title;
  std::vector<std::string> text;  // paragraphs before the steps
  std::vector<Step> steps;
  int line = 0;
};

struct Runbook {
  std::string name;
  std::string version;
  std::vector<PathRow> paths;
  std::vector<Procedure> procedures;
  // Per check finding code: what to do. Rendered as a table, read back by code.
  std::map<std::string, std::string> findings;
  // The Markdown it was read from, line by line; empty for a built one. The drift check scans it
  // whole for shell activations and virtual environments, prose included.
  std::vector<std::string> source_lines;
};

// The ids of the procedures every runbook has, in their order.
const std::vector<std::string>& procedure_ids();

// Where render installs the runbook: the units' Documentation= points there.
std::string runbook_path(const Contract& c);

// What to do for each check finding code, by code (the action column of contract/finding_codes.h).
const std::map<std::string, std::string>& finding_actions();

Runbook build(const Contract& c);
std::string to_markdown(const Runbook& rb);
inline std::string render_runbook(const Contract& c) {
  return to_markdown(build(c));
}

// Reads a runbook back from its Markdown (ours, or one edited by hand): the version, the table,
// the procedures and their command blocks. Fails only when it is not a runbook at all.
Result<Runbook> parse_markdown(std::string_view text, const std::string& source);

// What the command line accepts today: subcommand ("render", "contract show") -> its options
// ("--contract", "-h"). Given by the CLI, which is the authority on it.
using CommandSet = std::map<std::string, std::set<std::string>>;

struct Difference {
  int line = 0;  // in the checked runbook; 0 when the thing is missing from it
  std::string message;
  std::string expected;
  std::string found;
};

// Every way `existing` no longer describes the contract: another name or version, a path row
// that is not the contract's (or missing, or unknown), a procedure that is missing, a command
// that no longer exists (a subcommand, an option, a unit of another name), a venv or
// `conda run` assumption.
std::vector<Difference> check(const Runbook& existing, const Contract& c, const CommandSet& commands);

// Splits a command line as a POSIX shell would split a simple command (quotes, backslashes), with
// no expansion. For the drift check and tests; never used to run anything.
std::vector<std::string> shell_words(std::string_view line);

// True when `output` shows every line of `prints`, in order ("…" matches any text).
bool output_matches(const std::vector<std::string>& prints, std::string_view output);

}  // namespace csd::runbook
