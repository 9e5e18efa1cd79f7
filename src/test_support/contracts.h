// The contract texts unit tests share: one shape, the example's (examples/mes-dashboard), for any
// service name, so that a change of the schema is made here once.
#pragma once

#include <string>

namespace csd::test {

// A contract of the example's shape for the service NAME: conda root /opt/miniconda3 and
// environment NAME (Python 3.11, gunicorn and flask required), www-data in /opt/NAME running
// gunicorn on 127.0.0.1:8080, the environment file /etc/NAME/runtime.env and a worker "wip"
// running `rq worker wip`. `contract_keys` and `service_keys` (TOML lines) are added to
// [contract] and [service].
std::string example_contract(const std::string& name, const std::string& contract_keys = "",
                             const std::string& service_keys = "");

// The example's own: mes-dashboard, with conda-systemd where the rig installs it and a health URL.
std::string dashboard_contract();

}  // namespace csd::test
