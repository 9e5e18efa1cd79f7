#include "test_support/contracts.h"

#include <algorithm>

namespace csd::test {

std::string contract_text(const ContractText& t) {
  return "\n[contract]\nname = \"" + t.name + "\"\nversion = \"" + t.version + "\"\n" + t.contract +
         "\n[conda]\n" + t.conda + "\n[service]\nuser = \"" + t.user + "\"\nworkdir = \"" + t.workdir +
         "\"\ncommand = " + t.command + "\n" + t.service + t.tail;
}

std::string example_contract(const std::string& name, const std::string& contract_keys,
                             const std::string& service_keys) {
  std::string module = name;
  std::replace(module.begin(), module.end(), '-', '_');
  return contract_text({
      .name = name,
      .version = "2026.11-1",
      .contract = contract_keys,
      .conda = "root = \"/opt/miniconda3\"\nenv = \"" + name +
               "\"\npython = \"3.11\"\nrequire = [\"gunicorn\", \"flask\"]\n",
      .workdir = "/opt/" + name,
      .command = "[\"gunicorn\", \"--config\", \"gunicorn.conf.py\", \"" + module + ":create_app()\"]",
      .service =
          "environment_file = \"/etc/" + name + "/runtime.env\"\nbind = \"127.0.0.1:8080\"\n" + service_keys,
      .tail = "\n[[worker]]\nname = \"wip\"\ncommand = [\"rq\", \"worker\", \"wip\"]\n",
  });
}

std::string dashboard_contract() {
  return example_contract("mes-dashboard", "tool = \"/opt/conda-systemd/bin/conda-systemd\"\n",
                          "health_url = \"http://127.0.0.1:8080/health\"\n");
}

}  // namespace csd::test
