// The watchdog's health probe child (watchdog/probe.h): `conda-systemd __health-probe URL
// TIMEOUT_MS [UNIX_SOCKET]`, run by the daemon, never by hand. Recognised by main() before the
// command line is built, so the child costs a GET and not the whole CLI.
#pragma once

namespace csd::cli {

// Whether argv asks for the probe child.
bool is_health_probe_child(int argc, char** argv);
// One GET; its answer one line on stdout. Exit 0 on an HTTP answer, 1 when nothing answered,
// 2 on unusable arguments (also answered on stdout, so the daemon can say why).
int run_health_probe_child(int argc, char** argv);

}  // namespace csd::cli
