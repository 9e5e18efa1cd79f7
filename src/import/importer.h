// `conda-systemd import`: from a hand-written deployment (units, drop-ins, environment files) to a
// contract that renders an equivalent one, with every inconsistency met, every value chosen between
// alternatives and every behaviour that changes recorded for the migration report.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "check/finding.h"
#include "contract/contract.h"
#include "import/units.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::importer {

struct ImportOptions {
  std::string name;
  Root root;
  std::vector<std::string> unit_dirs;  // deployment paths; empty: systemd's default search path
  std::string env_file;                // read after each unit's own EnvironmentFile=, as if listed last
  std::string tool;                    // [contract] tool; "" for the default
  std::string conda_root;              // for a bare `conda` whose installation the files do not say
};

struct Candidate {
  std::string value;
  std::string source;  // "PIDFile= in /etc/systemd/system/x.service:12", "the dashboard's default"
  std::string file;    // where to point a finding about it; "" for the contract-wide ones
  int line = 0;
};

// A value the files gave more than once, differently.
struct Choice {
  std::string key;  // contract key: "paths.pid_file"
  std::vector<Candidate> candidates;
  std::string chosen;
  std::string reason;
};

struct ClassifiedUnit {
  FoundUnit unit;
  bool imported = false;
};

struct Imported {
  Contract contract;                          // the values found; defaults elsewhere
  std::map<std::string, std::string> origin;  // contract key -> where its value came from
  std::vector<ClassifiedUnit> units;
  check::Report findings;  // inconsistencies of the old deployment, as `check` codes them
  std::vector<Choice> choices;
  std::vector<std::string> changes;  // what differs once the rendered units replace the old ones
  std::vector<std::string> notes;    // assumptions the reader should know
  std::vector<Error> problems;       // why the contract would not be equivalent: nothing is written
  // The old environment file without the variables the contract now owns, comments on their own
  // lines; it stays the units' secrets_file. Empty when nothing of it is left.
  std::string secrets_text;
  // A deployment conda-systemd rendered: the installed contract's text, given back as it is.
  std::string contract_text;
};

// Reads the deployment. Fails only when there is nothing to import (no NAME.service); everything
// else that goes wrong is a finding or a problem of the result.
Result<Imported> import_service(const ImportOptions& options);

}  // namespace csd::importer
