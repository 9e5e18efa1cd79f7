// What deploy switched, kept by every later render: the record's "current" environment
// (contract/naming.h: deploy_record_path) wins over the [conda] of the contract render is given,
// until an explicit `render --drop-deploy`. Without this, rendering from the source contract after
// a deploy would silently put the old environment back (docs/deploy.md).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "contract/conda_target.h"
#include "contract/contract.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/root.h"

namespace csd::render {

// The environment the record names as current, with when and by whom it was set.
struct Deployed {
  CondaTarget target;
  std::string since;
  std::string by;
  std::string operation;  // "deploy", "rollback"
};

// nullopt when nothing was ever deployed (no record, or a record without "current").
Result<std::optional<Deployed>> read_deployed(const Contract& c, const Root& root);

// The environment the contract's own [conda] names.
CondaTarget written_target(const Contract& c);

// The contract text render installs: `text` with the deployed environment in [conda] when the
// record names another one than `text` does. `kept` is set then, for render to say so. The
// installed copy itself (what the units' check and exec read) is taken as it is.
struct Effective {
  std::string text;
  std::optional<Deployed> kept;
};
Result<Effective> apply_deployed(const std::string& text, const Contract& parsed, const Root& root);

// The same, parsed and resolved: what render writes and check expects for the contract `source`
// (already resolved) read from `text`. `note` says what was kept, for the operator; "" when nothing.
struct EffectiveContract {
  Contract contract;
  std::string text;
  std::string note;
};
Result<EffectiveContract> effective_contract(const Contract& source, const std::string& text,
                                             const Root& root, const std::string& home);

// The record itself (schema in docs/deploy.md): {} when there is none yet; read bounded, never
// through a link; written atomically; the last 20 operations kept.
Result<nlohmann::json> read_deploy_record(const std::string& path, const Root& root);
Status write_deploy_record(const std::string& path, const nlohmann::json& record, const Root& root);
void append_operation(nlohmann::json& record, nlohmann::json operation);

// Makes the contract's own environment the current one in the record (the deployed one becomes
// "previous", so rollback still reaches it): what `render --drop-deploy` does. Nothing to do when
// no deploy is recorded or it names the contract's own environment.
Status drop_deployed(const Contract& c, const Root& root, const std::string& who, const std::string& at);

// One operation at a time on a deployment: render, deploy and rollback hold this while they
// change it: a flock on the state directory, which exists wherever the record does. An empty Fd
// when the directory does not exist and `create` is false: then there is no record and no deploy.
// While another holds it: an error at once, or after `wait` (a swap request waits its turn).
Result<Fd> lock_deployment(const Contract& c, const Root& root, bool create, Millis wait = Millis(0));

}  // namespace csd::render
