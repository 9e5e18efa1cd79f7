// conda-systemd-watchdog: the watchdog daemon as a program of its own, which `conda-systemd
// watchdog` replaces itself with (same PID) once its command line is parsed. The daemon lives for
// as long as the service does, so it maps only what it uses: no CLI11, no check, render, verify,
// deploy or import (docs/architecture.md, "Linking"; the figures in docs/performance.md). Its
// arguments are conda-systemd's to give, never a user's: the contract already resolved to a file.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "cli/probe_child.h"
#include "util/root.h"
#include "watchdog/audit.h"
#include "watchdog/loop.h"

namespace {

using namespace csd;

constexpr const char* kUsage =
    "usage: conda-systemd-watchdog --contract FILE [--root DIR] [--no-bus] [--quiet]\n"
    "  (started by `conda-systemd watchdog`, which takes -n NAME too)";

struct Arguments {
  std::string contract;
  std::string root;
  bool no_bus = false;
  bool quiet = false;
};

// The arguments, or an error message. Each option at most once; nothing else.
Result<Arguments> parse(int argc, char** argv) {
  Arguments a;
  bool have_contract = false, have_root = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--contract" || arg == "--root") {
      bool& seen = arg == "--contract" ? have_contract : have_root;
      if (seen) return make_error(fmt::format("{} given twice", arg));
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return make_error(fmt::format("{} needs a value", arg));
      seen = true;
      (arg == "--contract" ? a.contract : a.root) = argv[++i];
    } else if (arg == "--no-bus" && !a.no_bus) {
      a.no_bus = true;
    } else if ((arg == "--quiet" || arg == "-q") && !a.quiet) {
      a.quiet = true;
    } else {
      return make_error(fmt::format("unexpected argument '{}'", arg.substr(0, 200)));
    }
  }
  if (!have_contract) return make_error("--contract FILE is required");
  return a;
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home ? home : "";
}

}  // namespace

int main(int argc, char** argv) {
  if (cli::is_health_probe_child(argc, argv)) return cli::run_health_probe_child(argc, argv);
  auto args = parse(argc, argv);
  if (!args) {
    fmt::print(stderr, "conda-systemd-watchdog: error: {}\n{}\n", args.error().message, kUsage);
    return 2;
  }
  // Under systemd, "<N>" tells the journal the priority (sd-daemon(3)).
  bool journal = watchdog::stderr_is_journal();
  bool quiet = args->quiet;
  watchdog::DaemonOptions d;
  d.use_systemd_bus = !args->no_bus;
  d.log = [journal, quiet](int priority, const std::string& line) {
    // --quiet: warnings and errors only (LOG_WARNING is 4, LOG_INFO 6).
    if (quiet && priority > 4) return;
    if (journal)
      fmt::print(stderr, "<{}>{}\n", priority, line);
    else
      fmt::print(stderr, "conda-systemd watchdog: {}\n", line);
    std::fflush(stderr);
  };
  d.load_settings = [a = *args] { return watchdog::load_settings(a.contract, Root(a.root), home_dir()); };
  watchdog::Daemon daemon(d);
  auto rc = daemon.run();
  if (!rc) {
    fmt::print(stderr, "{}\n", rc.error().to_string());
    return 2;
  }
  return *rc;
}
