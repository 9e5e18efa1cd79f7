// Switching the service to another conda environment, and back.
//
// The installed contract copy (/etc/conda-systemd/NAME.toml, which every unit's check and exec
// read) is the one place that says which environment runs: deploy rewrites its [conda] env/prefix
// line, renders everything again from it and restarts the units. The record file beside the
// state file (deploy_record_path in contract/naming.h) keeps the current and the previous environment and
// every operation with its steps. See docs/deploy.md.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "contract/conda_target.h"
#include "host/health.h"
#include "swap/swap.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::deploy {

// The gate is the host's health probe.
using host::HealthOptions;
using host::HealthProbe;
using host::HealthResult;
using host::OnProbe;

// Where the service is to run from.
using Target = CondaTarget;

// What deploy asks of the running system; tests give their own.
class Services {
 public:
  virtual ~Services() = default;
  virtual Status daemon_reload() = 0;
  // Restarts the unit and waits for systemd's job; an error unless the job is done.
  virtual Status restart(const std::string& unit) = 0;
  // CONDA_PREFIX of the unit's main process.
  virtual Result<std::string> running_prefix(const std::string& unit) = 0;
  // The health gate (through `unix_socket` unless it is ""); `on_probe` hears each probe as it ends.
  virtual HealthResult health(const std::string& url, const std::string& unix_socket,
                              const OnProbe& on_probe) = 0;
  // zero_downtime: what a swap asks of systemd (swap/swap.h); null where there is none.
  virtual swap::Units* swap_units() { return nullptr; }
  virtual swap::Options swap_options() const { return {}; }
};

// The real system: systemd over sd-bus, /proc, the health URL with `gate`.
Result<std::unique_ptr<Services>> system_services(const HealthOptions& gate, Millis restart_timeout);

struct Options {
  Root root;
  std::string home;  // for the conda lookup of --env
  std::string who;   // recorded with each operation
  // How long to wait while another render, deploy or rollback holds the lock; 0 refuses at once.
  Millis lock_wait{0};
  // Runs once the lock is held, before anything changes; an error stops the operation there.
  // `deploy --request` takes (removes) the swap request here, so a request is never removed
  // while another operation could still refuse it.
  std::function<Status()> when_locked;
};

// Progress of an operation, as it happens: the library prints nothing, the command line renders
// these (docs/cli.md, "Progress"). Notes and step ends are also kept in the record.
struct Event {
  enum class Kind {
    kNote,   // a line of its own: the target, a preflight finding, the result
    kStart,  // a step begins; an end with the same `step` follows
    kEnd,    // that step ended, `ok` or not
    kProbe,  // one probe of the health gate, within the step "health gate"
  };
  Kind kind = Kind::kNote;
  std::string text;  // "deploy: health gate passed: ..."
  bool ok = true;
  std::string step;        // kStart, kEnd, kProbe: "render", "restart app.service", "health gate"
  HealthProbe probe = {};  // kProbe
};
using Log = std::function<void(const Event&)>;

struct Outcome {
  bool ok = false;           // switched and healthy
  bool rolled_back = false;  // the new environment failed and the previous one serves again
  std::string prefix;        // where the service runs from now
  std::string
      result;  // as recorded: "deployed", "rolled back", "refused", "failed"; "" when nothing was to do
  std::vector<Event> events;
};

// An error when nothing could be tried (no installed deployment, an unusable contract, another
// operation running); otherwise the outcome, refused or rolled back ones included. With
// zero_downtime the new environment starts in the idle instance and the old one stops only once
// the new one answers (swap/swap.h); an empty target then deploys new code in the same environment.
Result<Outcome> deploy(const std::string& contract_path, const Target& target, Services& services,
                       const Options& options, const Log& log);
Result<Outcome> rollback(const std::string& contract_path, Services& services, const Options& options,
                         const Log& log);

}  // namespace csd::deploy
