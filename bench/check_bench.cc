// `conda-systemd check` as systemd runs it at every start (ExecStartPre=), as a whole process, over
// the dashboard's shape: 13 units (app, watchdog, 11 workers) and an environment with 300 package
// records. The dashboard's own Python check takes 38 ms and tests 8 things.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

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

void BM_CheckWholeProcess(benchmark::State& state) {
  auto& d = deployment();
  std::vector<std::string> argv = {CSD_BINARY, "check", "--contract", d.dir().at("/src/runtime.toml"), "--root", d.root()};
  if (!state.thread_index() && csd::bench::run_process(argv) != 0) state.SkipWithError("check found problems");
  for (auto _ : state) benchmark::DoNotOptimize(csd::bench::run_process(argv));
}
BENCHMARK(BM_CheckWholeProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly();

void BM_CheckOneUnitWholeProcess(benchmark::State& state) {
  auto& d = deployment();
  std::vector<std::string> argv = {CSD_BINARY, "check", "--contract", d.dir().at("/src/runtime.toml"), "--root", d.root(),
                                   "--unit", "app.service"};
  for (auto _ : state) benchmark::DoNotOptimize(csd::bench::run_process(argv));
}
BENCHMARK(BM_CheckOneUnitWholeProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly();

}  // namespace

BENCHMARK_MAIN();
