#include "host/libsystemd.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <string>

#include "host/dl.h"

namespace csd::host {

namespace {

struct Loaded {
  LibSystemd api{};
  std::string error;  // why it could not be loaded; "" when loaded
};

Loaded load() {
  Loaded l;
  void* lib = open_library("libsystemd.so.0", "libsystemd0", l.error);
  if (!lib) return l;
  LibSystemd& a = l.api;
  bool ok = bind_symbol(lib, "sd_bus_open_system", a.bus_open_system) &&
            bind_symbol(lib, "sd_bus_set_method_call_timeout", a.bus_set_method_call_timeout) &&
            bind_symbol(lib, "sd_bus_flush_close_unref", a.bus_flush_close_unref) &&
            bind_symbol(lib, "sd_bus_call_method", a.bus_call_method) &&
            bind_symbol(lib, "sd_bus_call", a.bus_call) &&
            bind_symbol(lib, "sd_bus_get_property_string", a.bus_get_property_string) &&
            bind_symbol(lib, "sd_bus_get_property_strv", a.bus_get_property_strv) &&
            bind_symbol(lib, "sd_bus_get_property_trivial", a.bus_get_property_trivial) &&
            bind_symbol(lib, "sd_bus_match_signal", a.bus_match_signal) &&
            bind_symbol(lib, "sd_bus_process", a.bus_process) &&
            bind_symbol(lib, "sd_bus_wait", a.bus_wait) &&
            bind_symbol(lib, "sd_bus_message_new_method_call", a.bus_message_new_method_call) &&
            bind_symbol(lib, "sd_bus_message_append", a.bus_message_append) &&
            bind_symbol(lib, "sd_bus_message_append_strv", a.bus_message_append_strv) &&
            bind_symbol(lib, "sd_bus_message_read", a.bus_message_read) &&
            bind_symbol(lib, "sd_bus_message_unref", a.bus_message_unref) &&
            bind_symbol(lib, "sd_bus_slot_unref", a.bus_slot_unref) &&
            bind_symbol(lib, "sd_bus_error_free", a.bus_error_free) &&
            bind_symbol(lib, "sd_bus_error_has_name", a.bus_error_has_name);
  if (!ok) l.error = fmt::format("libsystemd lacks a function conda-systemd needs: {}", ::dlerror());
  return l;
}

}  // namespace

Result<const LibSystemd*> libsystemd() {
  static const Loaded loaded = load();
  if (!loaded.error.empty()) return make_error(loaded.error, "conda-systemd needs systemd 252 or newer");
  return &loaded.api;
}

}  // namespace csd::host
