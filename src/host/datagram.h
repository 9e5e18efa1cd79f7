// One datagram on an AF_UNIX socket, the transport of both sd_notify(3) and journald's native
// protocol: written by hand so that neither needs libsystemd (docs/architecture.md, "Linking").
#pragma once

#include <string>
#include <string_view>

#include "util/error.h"

namespace csd::host {

// Sends `data` to `address`: a path, or a name starting with "@" in the abstract namespace.
// Anything else (a relative name, vsock:, too long for a socket address) is an error.
Status send_datagram(const std::string& address, std::string_view data);

}  // namespace csd::host
