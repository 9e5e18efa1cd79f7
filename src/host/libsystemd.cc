#include "host/libsystemd.h"

#include "host/dl.h"

namespace csd::host {

Result<const LibSystemd*> libsystemd() {
  static const Loaded<LibSystemd> loaded =
      load_library<LibSystemd>("libsystemd.so.0", "libsystemd0", [](void* lib, LibSystemd& a) {
#define CSD_BIND(name) &&bind_symbol(lib, "sd_" #name, a.name)
        return true CSD_LIBSYSTEMD_FUNCTIONS(CSD_BIND);
#undef CSD_BIND
      });
  if (!loaded.error.empty()) return make_error(loaded.error, "conda-systemd needs systemd 252 or newer");
  return &loaded.api;
}

}  // namespace csd::host
