// `conda-systemd check` as systemd runs it at every start (ExecStartPre=), as a whole process, over
// the dashboard's shape: 13 units (app, watchdog, 11 workers) and an environment with 300 package
// records. The dashboard's own Python check takes 38 ms and tests 8 things.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>

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

// The binary under test: CSD_CHECK_BINARY when set (an older build, to compare side by side in
// one run on the same load), else the one built with this benchmark.
std::string binary() {
  const char* other = std::getenv("CSD_CHECK_BINARY");
  return other && *other ? other : CSD_BINARY;
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

// The floor of any process start on this machine at this moment: `env /bin/true`.
void BM_EnvTrue(benchmark::State& state) {
  run(state, {"/usr/bin/env", "/bin/true"}, true);
}
BENCHMARK(BM_EnvTrue)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly();

}  // namespace

BENCHMARK_MAIN();
