// Everything a deployment needs, rendered from the contract alone: the units, the environment
// file and the installed copy of the contract. Nothing here touches the file system.
#pragma once

#include <string>
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

// The service's argv after `exec --`: the contract's command with the contract's runtime facts
// (gunicorn's --pid, --bind, --workers, --graceful-timeout) added where the command is gunicorn.
// Fails when the command already sets one of them to something else.
Result<std::vector<std::string>> service_argv(const Contract& c);
bool is_gunicorn(const std::vector<std::string>& command);

// The notice at the top of every generated file; check reads the version back from its first line.
std::string generated_notice(const Contract& c);
std::string generated_header(const Contract& c, const char* comment = "#");

std::string render_environment_file(const Contract& c);

}  // namespace csd::render
