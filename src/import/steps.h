// The steps of an import, in the order importer.cc runs them, one file a concern. Each reads the
// unit views and adds to the state: contract keys with their origin, findings, choices, notes,
// problems and the changes the migration brings.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "import/state.h"

namespace csd::importer {

// --- a deployment conda-systemd rendered (rendered.cc) -----------------------------------------
// True when the app unit carries render's header: the contract it names is then given back in
// s.out (or the problem why it cannot be), and no other step runs.
bool rendered_deployment(ImportState& s, const std::vector<FoundUnit>& units);

// --- reading one unit (read_unit.cc) ---------------------------------------------------------

// The unit with its drop-ins, its environment (Environment=, then each EnvironmentFile=, then
// --env-file) and what its ExecStart= really runs; `usable` when all of that could be read.
UnitView read_unit(ImportState& s, const FoundUnit& f);
// Another NAME-*.service that runs `rq worker` is a worker named after the unit.
void classify_rq_worker(const ImportState& s, UnitView& v);
// The value of a single-valued [Service] setting with its specifiers expanded, and where it is.
std::optional<std::pair<std::string, std::string>> setting(ImportState& s, const UnitView& v,
                                                           const char* key);

// --- wrappers, identity and command (command.cc) ----------------------------------------------

void wrappers(ImportState& s, const UnitView& v);
void identity(ImportState& s, const UnitView& app);
void conda(ImportState& s, const UnitView& app);
void command(ImportState& s, const UnitView& app);
void version(ImportState& s, const UnitView& app, const UnitView* watchdog);

// --- paths and policy (paths.cc) --------------------------------------------------------------

void paths(ImportState& s, const UnitView& app, const UnitView* watchdog);
void policy(ImportState& s, const UnitView& app, const UnitView* watchdog);

// --- environment, workers and secrets (environment.cc) ----------------------------------------

void environment(ImportState& s, const UnitView& app);
void workers(ImportState& s, const UnitView& app);
void secrets(ImportState& s, const UnitView& app);

// --- what changes (changes.cc) ----------------------------------------------------------------

// The rules check holds the units to, with the fix the rendered units bring.
void shared_runtime_dirs(ImportState& s);
void writable_paths(ImportState& s, const UnitView& app, const UnitView* watchdog);
// Settings of the old units that the rendered ones do not have.
void not_carried_over(ImportState& s);
// What every migration changes, ahead of what the steps above found.
void changes(ImportState& s);

}  // namespace csd::importer
