#include "test_support/contracts.h"

#include <algorithm>

namespace csd::test {

std::string example_contract(const std::string& name, const std::string& contract_keys,
                             const std::string& service_keys) {
  std::string module = name;
  std::replace(module.begin(), module.end(), '-', '_');
  return "\n[contract]\nname = \"" + name + "\"\nversion = \"2026.11-1\"\n" + contract_keys +
         "\n[conda]\nroot = \"/opt/miniconda3\"\nenv = \"" + name +
         "\"\npython = \"3.11\"\nrequire = [\"gunicorn\", \"flask\"]\n"
         "\n[service]\nuser = \"www-data\"\nworkdir = \"/opt/" +
         name + "\"\ncommand = [\"gunicorn\", \"--config\", \"gunicorn.conf.py\", \"" + module +
         ":create_app()\"]\nenvironment_file = \"/etc/" + name +
         "/runtime.env\"\nbind = \"127.0.0.1:8080\"\n" + service_keys +
         "\n[[worker]]\nname = \"wip\"\ncommand = [\"rq\", \"worker\", \"wip\"]\n";
}

std::string dashboard_contract() {
  return example_contract("mes-dashboard", "tool = \"/opt/conda-systemd/bin/conda-systemd\"\n",
                          "health_url = \"http://127.0.0.1:8080/health\"\n");
}

}  // namespace csd::test
