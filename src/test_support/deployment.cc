#include "test_support/deployment.h"

#include <stdexcept>

#include "contract/resolve.h"
#include "render/install.h"
#include "test_support/conda_env.h"
#include "test_support/contracts.h"
#include "util/file.h"

namespace csd::test {

const std::string kContract =
    example_contract("app") + "\n[[script]]\npath = \"/opt/app/scripts/start.sh\"\n";

std::string contract_with_worker(const std::string& name) {
  std::string text = kContract;
  text.insert(text.find("[[script]]"),
              "[[worker]]\nname = \"" + name + "\"\ncommand = [\"rq\", \"worker\", \"" + name + "\"]\n\n");
  return text;
}

Deployment::Deployment(const std::string& contract_text) {
  write_conda_env(dir_, "/opt/miniconda3/envs/app", {"flask-2.2.2-py_0", "gunicorn-20.1.0-py_0"});
  write("/opt/app/scripts/start.sh", "#!/bin/sh\nexec systemctl start app.service\n", 0755);
  write("/src/runtime.toml", contract_text);

  auto c = load_resolved_contract(dir_.at("/src/runtime.toml"), Root(root()), "");
  if (!c) throw std::runtime_error(c.error().to_string());
  contract_ = *c;
  auto files = render::render_all(contract_, contract_text);
  if (!files) throw std::runtime_error(files.error().to_string());
  if (auto r = render::install(*files, Root(root())); !r) throw std::runtime_error(r.error().to_string());
}

std::string Deployment::read(const std::string& path) const {
  auto text = read_file(dir_.at(path));
  if (!text) throw std::runtime_error(text.error().to_string());
  return *text;
}

void Deployment::edit(const std::string& path, const std::string& from, const std::string& to) const {
  std::string text = read(path);
  auto pos = text.find(from);
  if (pos == std::string::npos) throw std::runtime_error("'" + from + "' not in " + path);
  text.replace(pos, from.size(), to);
  write(path, text);
}

}  // namespace csd::test
