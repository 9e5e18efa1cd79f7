// `conda-systemd check` as systemd runs it at every start (ExecStartPre=), as a whole process, over
// the dashboard's shape: 13 units (app, watchdog, 11 workers) and an environment with 300 package
// records. The dashboard's own Python check takes 38 ms and tests 8 things.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>

#include "contract/naming.h"
#include "interleave.h"
#include "run_process.h"
#include "test_support/deployment.h"

namespace {

std::string dashboard_contract() {
  std::string text = csd::test::kContract;
  std::string workers;
  for (const char* q : {"eqp", "hold", "lot", "qc", "yield", "spc", "mat", "rec", "alarm", "report"})
    workers += fmt::format("[[worker]]\nname = \"{0}\"\ncommand = [\"rq\", \"worker\", \"{0}\"]\n\n", q);
  text.insert(text.find("[[script]]"), workers);
  return text;
}

csd::test::Deployment& deployment() {
  static csd::test::Deployment d(dashboard_contract());
  static bool filled = [] {
    for (int i = 0; i < 297; ++i)
      d.write(fmt::format("/opt/miniconda3/envs/app/conda-meta/pkg{}-1.{}.0-py_0.json", i, i), "{}");
    return true;
  }();
  (void)filled;
  return d;
}

// The same deployment with the headers a build before the tool's version was in them wrote, so
// that an older binary (CSD_BASELINE_BINARY) checks a deployment it finds clean too.
// (A baseline that finds deployment() clean checks that one: baseline_deployment().)
csd::test::Deployment& old_header_deployment() {
  static csd::test::Deployment d(dashboard_contract());
  static bool filled = [] {
    for (int i = 0; i < 297; ++i)
      d.write(fmt::format("/opt/miniconda3/envs/app/conda-meta/pkg{}-1.{}.0-py_0.json", i, i), "{}");
    for (const auto& unit : csd::all_units(d.contract()))
      d.edit("/etc/systemd/system/" + unit, "conda-systemd " CSD_VERSION " from", "conda-systemd from");
    d.edit("/etc/app/runtime.env", "conda-systemd " CSD_VERSION " from", "conda-systemd from");
    return true;
  }();
  (void)filled;
  return d;
}

// The build measured: CSD_CHECK_BENCH_BINARY=PATH, else the one built with the benchmark. (A binary the
// linker has just written may fault more pages per start than a copy of it: compare copies.)
std::string binary() {
  const char* other = std::getenv("CSD_CHECK_BENCH_BINARY");
  return other && *other ? other : CSD_BINARY;
}

// The deployment the baseline build finds clean: the same as ours when it does, else the old headers.
csd::test::Deployment& baseline_deployment(const std::string& baseline) {
  auto& d = deployment();
  bool clean = csd::bench::run_process({baseline, "check", "--contract", d.dir().at("/src/runtime.toml"),
                                        "--root", d.root()}) == 0;
  return clean ? d : old_header_deployment();
}

// Each iteration is a whole process; the counter "cpu_ms" is its user + system CPU time, the figure
// docs/performance.md compares (wall time on this shared machine mostly measures the load).
void run(benchmark::State& state, const std::vector<std::string>& argv, bool must_pass) {
  if (must_pass && csd::bench::run_process(argv) != 0) state.SkipWithError("check found problems");
  double cpu_total = 0;
  for (auto _ : state) {
    double cpu = 0;
    benchmark::DoNotOptimize(csd::bench::run_process(argv, &cpu));
    cpu_total += cpu;
  }
  state.counters["cpu_ms"] = benchmark::Counter(cpu_total * 1000, benchmark::Counter::kAvgIterations);
}

void BM_CheckWholeProcess(benchmark::State& state) {
  auto& d = deployment();
  run(state, {binary(), "check", "--contract", d.dir().at("/src/runtime.toml"), "--root", d.root()}, true);
}
BENCHMARK(BM_CheckWholeProcess)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly();

void BM_CheckOneUnitWholeProcess(benchmark::State& state) {
  auto& d = deployment();
  run(state,
      {binary(), "check", "--contract", d.dir().at("/src/runtime.toml"), "--root", d.root(), "--unit",
       "app.service"},
      true);
}
BENCHMARK(BM_CheckOneUnitWholeProcess)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly();

// An older build side by side in the same run (CSD_BASELINE_BINARY=path), on a deployment it finds
// clean: docs/performance.md compares the two.
void BM_BaselineCheckWholeProcess(benchmark::State& state) {
  auto& d = baseline_deployment(std::getenv("CSD_BASELINE_BINARY"));
  run(state,
      {std::getenv("CSD_BASELINE_BINARY"), "check", "--contract", d.dir().at("/src/runtime.toml"), "--root",
       d.root()},
      true);
}

// The floor of any process start on this machine at this moment: `env /bin/true`.
void BM_EnvTrue(benchmark::State& state) {
  run(state, {"/usr/bin/env", "/bin/true"}, true);
}
BENCHMARK(BM_EnvTrue)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly();

}  // namespace

// First side by side and interleaved: `env /bin/true`, `check` of the whole deployment and of one
// unit (and the baseline build on its deployment); then each benchmark after the other.
int main(int argc, char** argv) {
  const char* baseline = std::getenv("CSD_BASELINE_BINARY");
  auto check_argv = [](const char* binary, csd::test::Deployment& d) {
    return std::vector<std::string>{binary,   "check", "--contract", d.dir().at("/src/runtime.toml"),
                                    "--root", d.root()};
  };
  std::vector<csd::bench::Command> commands = {{"env /bin/true", {"/usr/bin/env", "/bin/true"}},
                                               {"check", check_argv(binary().c_str(), deployment())}};
  commands.push_back({"check --unit app.service", check_argv(binary().c_str(), deployment())});
  commands.back().argv.insert(commands.back().argv.end(), {"--unit", "app.service"});
  if (baseline && *baseline)
    commands.push_back({"check, baseline build", check_argv(baseline, baseline_deployment(baseline))});
  if (!csd::bench::compare_interleaved(commands, {.rounds = csd::bench::rounds_from_env(300)}, stdout))
    return 1;
  if (baseline && *baseline)
    benchmark::RegisterBenchmark("BM_BaselineCheckWholeProcess", BM_BaselineCheckWholeProcess)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Repetitions(5)
        ->ReportAggregatesOnly();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
