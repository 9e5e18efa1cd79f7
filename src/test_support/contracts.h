// The contract texts unit tests share: one shape for every contract a test writes, so that a change
// of the schema is made here once.
#pragma once

#include <string>

namespace csd::test {

// A contract with the keys every contract has; a test sets what it is about by name
// (designated initializers) and adds TOML lines where it needs more. The text reads as a person
// writes it: a blank line first and between the sections.
struct ContractText {
  std::string name = "app";
  std::string version = "1";
  std::string contract;  // more [contract] keys
  std::string conda;     // the [conda] keys: root and env, or prefix
  std::string user = "www-data";
  std::string workdir = "/";
  std::string command;  // a TOML array
  std::string service;  // more [service] keys
  std::string tail;     // the tables after [service], from their blank line
};
std::string contract_text(const ContractText& t);

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
