// libsystemd, opened with dlopen(3) where sd-bus is used (verify, deploy, render,
// list, remove, scale, status, the watchdog), so that `exec` and `check`, which run at every
// service start, load neither it nor the libraries behind it (libgcrypt, zstd, lz4, lzma, libcap):
// docs/architecture.md, "Linking".
#pragma once

#include <systemd/sd-bus.h>

#include "util/error.h"

namespace csd::host {

// The functions conda-systemd calls, with the types of systemd's headers.
struct LibSystemd {
  decltype(&sd_bus_open_system) bus_open_system;
  decltype(&sd_bus_set_method_call_timeout) bus_set_method_call_timeout;
  decltype(&sd_bus_flush_close_unref) bus_flush_close_unref;
  decltype(&sd_bus_call_method) bus_call_method;
  decltype(&sd_bus_call) bus_call;
  decltype(&sd_bus_get_property_string) bus_get_property_string;
  decltype(&sd_bus_get_property_strv) bus_get_property_strv;
  decltype(&sd_bus_get_property_trivial) bus_get_property_trivial;
  decltype(&sd_bus_match_signal) bus_match_signal;
  decltype(&sd_bus_process) bus_process;
  decltype(&sd_bus_wait) bus_wait;
  decltype(&sd_bus_message_new_method_call) bus_message_new_method_call;
  decltype(&sd_bus_message_append) bus_message_append;
  decltype(&sd_bus_message_append_strv) bus_message_append_strv;
  decltype(&sd_bus_message_read) bus_message_read;
  decltype(&sd_bus_message_unref) bus_message_unref;
  decltype(&sd_bus_slot_unref) bus_slot_unref;
  decltype(&sd_bus_error_free) bus_error_free;
  decltype(&sd_bus_error_has_name) bus_error_has_name;
};

// Loaded once (libsystemd.so.0) and kept; an error naming the package when it is missing.
Result<const LibSystemd*> libsystemd();

}  // namespace csd::host
