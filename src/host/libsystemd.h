// libsystemd, opened with dlopen(3) where sd-bus is used (verify, deploy, render,
// list, remove, scale, status, the watchdog), so that `exec` and `check`, which run at every
// service start, load neither it nor the libraries behind it (libgcrypt, zstd, lz4, lzma, libcap):
// docs/architecture.md, "Linking".
#pragma once

#include <systemd/sd-bus.h>

#include "util/error.h"

namespace csd::host {

// The functions conda-systemd calls, each sd_NAME as NAME: the one list the struct below and its
// loading (libsystemd.cc) are made from.
#define CSD_LIBSYSTEMD_FUNCTIONS(F) \
  F(bus_open_system)                \
  F(bus_set_method_call_timeout)    \
  F(bus_flush_close_unref)          \
  F(bus_call_method)                \
  F(bus_call)                       \
  F(bus_get_property_string)        \
  F(bus_get_property_strv)          \
  F(bus_get_property_trivial)       \
  F(bus_match_signal)               \
  F(bus_process)                    \
  F(bus_wait)                       \
  F(bus_message_new_method_call)    \
  F(bus_message_append)             \
  F(bus_message_append_strv)        \
  F(bus_message_read)               \
  F(bus_message_unref)              \
  F(bus_slot_unref)                 \
  F(bus_error_free)                 \
  F(bus_error_has_name)

// With the types of systemd's headers.
struct LibSystemd {
#define CSD_DECLARE(name) decltype(&sd_##name) name;
  CSD_LIBSYSTEMD_FUNCTIONS(CSD_DECLARE)
#undef CSD_DECLARE
};

// Loaded once (libsystemd.so.0) and kept; an error naming the package when it is missing.
Result<const LibSystemd*> libsystemd();

}  // namespace csd::host
