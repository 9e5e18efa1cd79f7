// The watchdog's reaction time and footprint, measured on the real binary:
//  - BM_FlagToSignal: from the restart flag appearing (the writer's rename) to SIGHUP arriving at
//    a gunicorn-shaped master, 200 requests; reported as median, p99 and max.
//  - BM_IdleFootprint: resident memory of an idle watchdog (VmRSS, its anonymous and file parts,
//    PSS and USS from smaps_rollup).
//  - BM_FootprintAfterReloads: the same after 5 reloads of a real gunicorn, each confirmed by a
//    health probe (which runs in a child process: libcurl must not stay in the watchdog).
//  - BM_IdleWakeups: context switches of an idle watchdog over CSD_BENCH_IDLE_SECONDS (60), without
//    WatchdogSec= and with WatchdogSec=10s (where it must wake for the pings, and only for them).
// The master is a small Python program run by the fixture environment's python as
// ".../gunicorn", so it passes the identity proof; it takes the time when SIGHUP arrives (so the
// figure includes signal delivery and Python's wake-up) and replaces its one worker, so that each
// reload can be confirmed before the next request.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "util/file.h"
#include "util/strings.h"
#include "util/timestamp.h"
#include "watchdog/client.h"
#include "watchdog/control.h"
#include "watchdog/test_fixture.h"

namespace {

using namespace csd;
using namespace csd::watchdog;
namespace wt = csd::watchdog::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Carries the marks of gunicorn's arbiter the identity proof looks for outside systemd
// (docs/watchdog.md): each worker's heartbeat file, "wgunicorn-*", created and unlinked before the
// fork and held by both.
const char* kMaster = R"(import os, signal, sys, tempfile, time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
def spawn():
    fd, name = tempfile.mkstemp(prefix="wgunicorn-")
    os.unlink(name)
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
        while True:
            time.sleep(3600)
    return pid, fd
worker = spawn()
print("ready", flush=True)
while True:
    signal.sigwaitinfo({signal.SIGHUP})
    print(time.clock_gettime_ns(time.CLOCK_MONOTONIC), flush=True)
    new = spawn()
    os.kill(worker[0], signal.SIGTERM)
    os.waitpid(worker[0], 0)
    os.close(worker[1])
    worker = new
)";

long long monotonic_ns() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

std::string text_of(const std::string& path) {
  auto t = read_file(path, ReadOptions{.max_bytes = 64 << 20});
  return t ? *t : std::string();
}

// A deployment in a temporary directory: contract, runtime and state directories, and a
// watchdog started on it (killed by PID with the object).
struct Rig {
  test::TempDir tmp;
  std::string contract = tmp.at("/contract.toml");
  std::string flag = tmp.at("/run/mes_dashboard_restart.flag");
  std::string socket = tmp.at("/run/watchdog.sock");
  wt::Child watchdog;

  explicit Rig(const std::string& prefix) {
    tmp.mkdirs("/run");
    tmp.mkdirs("/state");
    configure(prefix);
  }

  void configure(const std::string& prefix, int workers = 1, const std::string& health_url = "") {
    std::ofstream(contract) << "[contract]\nname = \"mes-dashboard\"\nversion = \"bench\"\n"
                            << "[conda]\nprefix = \"" << prefix << "\"\n"
                            << "[service]\nuser = \"" << current_user() << "\"\nworkdir = \"" << tmp.path()
                            << "\"\ncommand = [\"gunicorn\", \"app:app\"]\nworkers = " << workers << "\n"
                            << (health_url.empty() ? "" : "health_url = \"" + health_url + "\"\n")
                            << "[paths]\nruntime_dir = \"" << tmp.at("/run") << "\"\nstate_file = \""
                            << tmp.at("/state/state.json") << "\"\n[watchdog]\nreload_timeout = \"10s\"\n";
  }

  bool start(std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}) {
    wt::SpawnOptions o;
    o.env = std::move(env);
    o.log = tmp.at("/watchdog.log");
    watchdog = wt::spawn({CSD_BINARY, "watchdog", "--contract", contract, "--no-bus"}, o);
    return wt::wait_until(
        [&] {
          return control::call(socket, {{"cmd", "ping"}}, Millis(500)).ok();
        },
        seconds(20));
  }

  std::map<std::string, long long> proc_numbers(const char* file) {
    std::map<std::string, long long> out;
    for (const auto& line : split(text_of(fmt::format("/proc/{}/{}", watchdog.pid(), file)), '\n')) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value(trim(line.substr(colon + 1)));
      out[line.substr(0, colon)] = std::atoll(value.c_str());
    }
    return out;
  }
};

const wt::FixtureEnv* env_or_skip(benchmark::State& state) {
  std::string why;
  const auto* env = wt::fixture_env(&why);
  if (!env) state.SkipWithError(why.c_str());
  return env;
}

// manual_override + ack: every request passes the policy and is signalled.
nlohmann::json override_flag(const std::string& id) {
  return {{"user", "bench"},
          {"timestamp", format_timestamp(now_utc())},
          {"source", "manual"},
          {"manual_override", true},
          {"override_acknowledged", true},
          {"request_id", id}};
}

void BM_FlagToSignal(benchmark::State& state) {
  const auto* env = env_or_skip(state);
  if (!env) return;
  Rig rig(env->prefix);
  rig.tmp.write("/gunicorn", kMaster);
  wt::SpawnOptions o;
  o.log = rig.tmp.at("/master.out");
  wt::Child master = wt::spawn({env->python, rig.tmp.at("/gunicorn")}, o);
  if (!wt::wait_until([&] { return text_of(o.log).find("ready") != std::string::npos; }, seconds(20)))
    return state.SkipWithError("the stand-in master did not start");
  rig.tmp.write("/run/gunicorn.pid", std::to_string(master.pid()) + "\n");
  if (!rig.start()) return state.SkipWithError("the watchdog did not start");

  std::vector<double> us;
  int i = 0;
  std::string tmp_flag = rig.tmp.at("/run/.bench.tmp");
  for (auto _ : state) {
    std::string id = fmt::format("bench-{}", i++);
    nlohmann::json f = override_flag(id);
    std::size_t lines_before = split(text_of(o.log), '\n').size();
    if (!write_file_atomic(tmp_flag, f.dump()).ok()) return state.SkipWithError("cannot write the flag");
    long long t0 = monotonic_ns();
    ::rename(tmp_flag.c_str(), rig.flag.c_str());  // the moment the flag appears
    std::vector<std::string> lines;
    bool got = wt::wait_until(
        [&] {
          lines = split(text_of(o.log), '\n');
          return lines.size() > lines_before;
        },
        seconds(10));
    if (!got) return state.SkipWithError("no SIGHUP arrived");
    long long t1 = std::atoll(lines[lines_before - 1].c_str());
    double seconds_taken = (t1 - t0) / 1e9;
    us.push_back(seconds_taken * 1e6);
    state.SetIterationTime(seconds_taken);
    // The next request only once this reload is confirmed, as in production.
    auto done = control::call(rig.socket, {{"cmd", "restart-wait"}, {"request_id", id}}, Millis(15000));
    if (!done || !(*done)["record"].value("success", false))
      return state.SkipWithError("a reload was not confirmed");
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<std::size_t>(p * us.size()))]; };
  state.counters["median_us"] = pct(0.5);
  state.counters["p90_us"] = pct(0.9);
  state.counters["p99_us"] = pct(0.99);
  state.counters["max_us"] = us.back();
  state.counters["min_us"] = us.front();
  state.counters["requests"] = static_cast<double>(us.size());
}
BENCHMARK(BM_FlagToSignal)->Iterations(200)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_IdleFootprint(benchmark::State& state) {
  const auto* env = env_or_skip(state);
  if (!env) return;
  for (auto _ : state) {
    Rig rig(env->prefix);
    if (!rig.start()) return state.SkipWithError("the watchdog did not start");
    std::this_thread::sleep_for(seconds(1));
    auto status = rig.proc_numbers("status");
    auto rollup = rig.proc_numbers("smaps_rollup");
    state.counters["VmRSS_KiB"] = static_cast<double>(status["VmRSS"]);
    state.counters["RssAnon_KiB"] = static_cast<double>(status["RssAnon"]);
    state.counters["RssFile_KiB"] = static_cast<double>(status["RssFile"]);
    state.counters["Pss_KiB"] = static_cast<double>(rollup["Pss"]);
    state.counters["USS_KiB"] = static_cast<double>(rollup["Private_Clean"] + rollup["Private_Dirty"]);
  }
}
BENCHMARK(BM_IdleFootprint)->Iterations(1)->Unit(benchmark::kMillisecond);

// After five reloads of a real gunicorn (2 workers), each confirmed by a health probe of its
// /health: what the probes left in the watchdog (PSS and private memory from smaps_rollup, and
// whether libcurl is mapped; the probe runs in a child process, watchdog/probe.h).
void BM_FootprintAfterReloads(benchmark::State& state) {
  const auto* env = env_or_skip(state);
  if (!env) return;
  for (auto _ : state) {
    Rig rig(env->prefix);
    auto g = wt::start_gunicorn(*env, rig.tmp.path(), 2, rig.tmp.at("/run/gunicorn.pid"));
    if (!g) return state.SkipWithError("gunicorn did not start");
    rig.configure(env->prefix, 2, g->url());
    if (!rig.start()) return state.SkipWithError("the watchdog did not start");
    for (int i = 0; i < 5; ++i) {
      std::string id = fmt::format("footprint-{}", i);
      if (!write_file_atomic(rig.flag, override_flag(id).dump()).ok())
        return state.SkipWithError("cannot write the flag");
      auto done = control::call(rig.socket, {{"cmd", "restart-wait"}, {"request_id", id}}, Millis(60000));
      if (!done || !(*done)["record"].value("success", false) || !(*done)["record"].contains("health_status"))
        return state.SkipWithError("a reload was not confirmed by its health probe");
    }
    auto status = rig.proc_numbers("status");
    auto rollup = rig.proc_numbers("smaps_rollup");
    state.counters["reloads"] = 5;
    state.counters["VmRSS_KiB"] = static_cast<double>(status["VmRSS"]);
    state.counters["Pss_KiB"] = static_cast<double>(rollup["Pss"]);
    state.counters["Pss_Anon_KiB"] = static_cast<double>(rollup["Pss_Anon"]);
    state.counters["Pss_File_KiB"] = static_cast<double>(rollup["Pss_File"]);
    state.counters["USS_KiB"] = static_cast<double>(rollup["Private_Clean"] + rollup["Private_Dirty"]);
    state.counters["libcurl_mapped"] =
        text_of(fmt::format("/proc/{}/maps", rig.watchdog.pid())).find("libcurl") != std::string::npos;
  }
}
BENCHMARK(BM_FootprintAfterReloads)->Iterations(1)->Unit(benchmark::kMillisecond);

int idle_seconds() {
  const char* s = std::getenv("CSD_BENCH_IDLE_SECONDS");
  return s && std::atoi(s) > 0 ? std::atoi(s) : 60;
}

// Counts READY=1 and WATCHDOG=1 datagrams on a socket that stands in for systemd's.
struct NotifySocket {
  Fd fd{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  std::string path;
  explicit NotifySocket(std::string p) : path(std::move(p)) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
    ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  int count(const std::string& what) {
    int n = 0;
    char buf[4096];
    for (ssize_t r; (r = ::recv(fd.get(), buf, sizeof(buf), 0)) > 0;)
      n += std::string(buf, static_cast<std::size_t>(r)).find(what) != std::string::npos;
    return n;
  }
};

void BM_IdleWakeups(benchmark::State& state) {
  const auto* env = env_or_skip(state);
  if (!env) return;
  bool with_watchdog_sec = state.range(0) != 0;
  for (auto _ : state) {
    Rig rig(env->prefix);
    NotifySocket notify(rig.tmp.at("/notify.sock"));
    std::vector<std::string> e = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "NOTIFY_SOCKET=" + notify.path};
    if (with_watchdog_sec) e.push_back("WATCHDOG_USEC=10000000");
    if (!rig.start(e)) return state.SkipWithError("the watchdog did not start");
    std::this_thread::sleep_for(seconds(1));
    notify.count("WATCHDOG=1");  // drain what came before the measured span
    auto before = rig.proc_numbers("status");
    std::this_thread::sleep_for(seconds(idle_seconds()));
    auto after = rig.proc_numbers("status");
    state.counters["seconds"] = idle_seconds();
    state.counters["voluntary_switches"] =
        static_cast<double>(after["voluntary_ctxt_switches"] - before["voluntary_ctxt_switches"]);
    state.counters["involuntary_switches"] =
        static_cast<double>(after["nonvoluntary_ctxt_switches"] - before["nonvoluntary_ctxt_switches"]);
    state.counters["watchdog_pings"] = notify.count("WATCHDOG=1");
  }
}
BENCHMARK(BM_IdleWakeups)->Arg(0)->Arg(1)->ArgName("WatchdogSec10s")->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
