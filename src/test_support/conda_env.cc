#include "test_support/conda_env.h"

namespace csd::test {

void write_conda_env(const TempDir& dir, const std::string& prefix,
                     const std::vector<std::string>& packages) {
  dir.write(prefix + "/conda-meta/history", "==> 2026-11-01 10:00:00 <==\n");
  dir.write(prefix + "/conda-meta/python-3.11.2-h_fixture_0.json", "{}");
  for (const auto& p : packages) dir.write(prefix + "/conda-meta/" + p + ".json", "{}");
  dir.write(prefix + "/bin/python",
            "\x7f"
            "ELF",
            0755);
  for (const char* tool : {"gunicorn", "rq"})
    dir.write(prefix + "/bin/" + tool, "#!" + prefix + "/bin/python\n", 0755);
}

}  // namespace csd::test
