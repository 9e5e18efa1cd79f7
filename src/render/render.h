// Everything a deployment needs, rendered from the contract alone: the units, the environment
// file and the installed copy of the contract. Nothing here touches the file system.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contract/contract.h"
#include "util/error.h"

namespace csd::render {

struct File {
  std::string path;  // as the deployment sees it
  std::string content;
  unsigned mode = 0644;
};

// `contract_text` is the contract file's own text, installed verbatim so its comments survive.
Result<std::vector<File>> render_all(const Contract& c, const std::string& contract_text);
// The units (app, watchdog, workers) and the environment file only: what check compares.
Result<std::vector<File>> render_units(const Contract& c);
// A sandboxing key render writes (NoNewPrivileges=, ProtectSystem=, SystemCallFilter=, ...).
bool is_hardening_key(std::string_view key);

// The service's argv after `exec --`: the contract's command with the contract's runtime facts
// (gunicorn's --pid, --bind, --workers, --graceful-timeout) added where the command is gunicorn.
// Fails when the command already sets one of them to something else.
Result<std::vector<std::string>> service_argv(const Contract& c);
bool is_gunicorn(const std::vector<std::string>& command);

// The notice at the top of every generated file; check reads it back (render/header.cc).
std::string generated_notice(const Contract& c);
std::string generated_header(const Contract& c, const char* comment = "#");

// What the first line of a generated file says. The tool's version is for information only: check
// compares content, so upgrading conda-systemd alone never refuses a start.
struct Header {
  std::string tool_version;   // "" in files rendered before the tool wrote its version
  std::string contract;       // the contract's name
  std::string version;        // the contract's version
  std::string contract_path;  // the installed contract the units read
};
// Nullopt for a file conda-systemd did not write.
std::optional<Header> parse_header(std::string_view text);

std::string render_environment_file(const Contract& c);

}  // namespace csd::render
