// What `conda-systemd exec` adds to a service's start: `exec --contract C -- /bin/true` (what a
// rendered ExecStart= runs) and `exec --prefix P -- /bin/true` against `env /bin/true`, each a whole
// process (posix_spawn, execve, wait4), over environments built by tests/fixtures/make-conda-env.sh.
// docs/performance.md has figures. CSD_EXEC_BENCH_BINARY=PATH measures another build of conda-systemd
// throughout; CSD_BASELINE_BINARY=PATH adds one to the interleaved comparison; CSD_BENCH_ROUNDS=N.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "interleave.h"
#include "run_process.h"
#include "test_support/temp_dir.h"

namespace {

// Both sides get the same small environment, so its size does not tilt the comparison.
const std::vector<std::string> kEnv = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8"};

double child_cpu_us = 0;

int run(const std::vector<std::string>& args) {
  csd::bench::Usage u = csd::bench::run_usage(args, &kEnv);
  child_cpu_us += u.cpu_us;
  return u.status;
}

std::string binary() {
  const char* other = std::getenv("CSD_EXEC_BENCH_BINARY");
  return other && *other ? other : CSD_BINARY;
}

struct Env {
  std::unique_ptr<csd::test::TempDir> dir = std::make_unique<csd::test::TempDir>();
  std::string prefix;
};

// Built once per variant, by the project's fixture, in place.
const Env& env(const std::string& variant) {
  static std::vector<std::pair<std::string, std::unique_ptr<Env>>> built;
  for (const auto& [name, e] : built)
    if (name == variant) return *e;
  auto e = std::make_unique<Env>();
  e->prefix = e->dir->path() + "/miniconda3/envs/app";
  std::vector<std::string> args = {
      "/bin/bash", std::string(CSD_SOURCE_DIR) + "/tests/fixtures/make-conda-env.sh",
      "--root",    "/",
      "--prefix",  e->prefix};
  if (variant == "state") {
    for (const char* kv : {"MES_DB_POOL=8", "MES_REPORT_DIR=/srv/reports", "TZ=Asia/Taipei"})
      args.insert(args.end(), {"--env-var", kv});
  }
  if (variant == "activate_d") {
    // Two scripts as packages ship them: one exports, one edits a path list.
    e->dir->write("/10-vars.sh", "export MES_DB_POOL=8\nexport MES_REPORT_DIR=\"$CONDA_PREFIX/reports\"\n");
    e->dir->write("/20-path.sh",
                  "export LD_LIBRARY_PATH=\"$CONDA_PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n");
    for (const char* s : {"/10-vars.sh", "/20-path.sh"})
      args.insert(args.end(), {"--activate-script", e->dir->path() + s});
  }
  if (run(args) != 0) {
    std::fprintf(stderr, "exec_bench: building the %s environment failed: %s\n", variant.c_str(),
                 (args[1] + " --root / --prefix " + e->prefix).c_str());
    std::exit(1);
  }
  built.emplace_back(variant, std::move(e));
  return *built.back().second;
}

void measure(benchmark::State& state, const std::vector<std::string>& argv) {
  child_cpu_us = 0;
  for (auto _ : state) benchmark::DoNotOptimize(run(argv));
  state.counters["cpu_us"] = benchmark::Counter(child_cpu_us, benchmark::Counter::kAvgIterations);
}

void BM_BinTrue(benchmark::State& state) {
  measure(state, {"/bin/true"});
}

// The floor of any program that replaces itself with another: coreutils' env, a small C program.
void BM_EnvTrue(benchmark::State& state) {
  measure(state, {"/usr/bin/env", "/bin/true"});
}

void BM_VersionOnly(benchmark::State& state) {
  measure(state, {binary(), "--version"});
}

void exec_true(benchmark::State& state, const std::string& variant) {
  std::vector<std::string> argv = {
      binary(),    "exec", "--prefix", env(variant).prefix, "--allow-outside-env",
      "/bin/true", "--",   "/bin/true"};
  if (run(argv) != 0) {
    state.SkipWithError("conda-systemd exec -- /bin/true failed");
    return;
  }
  measure(state, argv);
}

// The example's contract (examples/mes-dashboard/runtime.toml), its [conda] pointed at the fixture
// environment and /bin/true allowed outside it: what a rendered ExecStart= reads.
const std::string& example_contract() {
  static const std::string path = [] {
    const Env& e = env("plain");
    std::FILE* in = std::fopen(CSD_SOURCE_DIR "/examples/mes-dashboard/runtime.toml", "r");
    std::string text;
    char buf[4096];
    for (std::size_t n; in && (n = std::fread(buf, 1, sizeof buf, in)) > 0;) text.append(buf, n);
    if (in) std::fclose(in);
    auto replace = [&](const std::string& from, const std::string& to) {
      auto at = text.find(from);
      if (at != std::string::npos) text.replace(at, from.size(), to);
    };
    std::string root = e.prefix.substr(0, e.prefix.size() - std::string("/envs/app").size());
    replace("root = \"/opt/miniconda3\"", "root = \"" + root + "\"");
    replace("env = \"mes-dashboard\"", "env = \"app\"");
    // The command stands in for gunicorn: allowed as a contract allows a tool outside the env.
    replace("[service]\n", "[service]\nallow_outside_env = [\"/bin/true\"]\n");
    e.dir->write("/runtime.toml", text);
    return e.dir->path() + "/runtime.toml";
  }();
  return path;
}

// Exactly what a rendered ExecStart= runs: `exec --contract C -- CMD`.
std::vector<std::string> exec_contract_argv(const std::string& program) {
  return {program, "exec", "--contract", example_contract(), "--", "/bin/true"};
}

void BM_ExecContractTrue(benchmark::State& state) {
  std::vector<std::string> argv = exec_contract_argv(binary());
  if (run(argv) != 0) {
    state.SkipWithError("conda-systemd exec --contract C -- /bin/true failed");
    return;
  }
  measure(state, argv);
}

void BM_ExecTrue(benchmark::State& state) {
  exec_true(state, "plain");
}
void BM_ExecTrueStateVars(benchmark::State& state) {
  exec_true(state, "state");
}
void BM_ExecTrueActivateD(benchmark::State& state) {
  exec_true(state, "activate_d");
}

#define WHOLE_PROCESS(fn) \
  BENCHMARK(fn)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(15)->ReportAggregatesOnly()

WHOLE_PROCESS(BM_BinTrue);
WHOLE_PROCESS(BM_EnvTrue);
WHOLE_PROCESS(BM_VersionOnly);
WHOLE_PROCESS(BM_ExecContractTrue);
WHOLE_PROCESS(BM_ExecTrue);
WHOLE_PROCESS(BM_ExecTrueStateVars);
WHOLE_PROCESS(BM_ExecTrueActivateD);

}  // namespace

// First the figure the issue asks for, side by side and interleaved: `exec --contract C -- /bin/true`
// against `env /bin/true` (and a build before, CSD_BASELINE_BINARY=PATH, on the same contract); then
// the variants, one benchmark after the other.
int main(int argc, char** argv) {
  std::vector<csd::bench::Command> commands = {
      {"env /bin/true", {"/usr/bin/env", "/bin/true"}},
      {"exec --contract C -- /bin/true", exec_contract_argv(binary())}};
  const char* baseline = std::getenv("CSD_BASELINE_BINARY");
  if (baseline && *baseline) commands.push_back({"the same, baseline build", exec_contract_argv(baseline)});
  csd::bench::InterleaveOptions options{.rounds = csd::bench::rounds_from_env(400), .env = &kEnv};
  if (!csd::bench::compare_interleaved(commands, options, stdout)) return 1;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
