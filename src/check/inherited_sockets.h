// The sockets `exec` inherits from systemd (host/inherited.h) against the contract: gunicorn
// serves every one of them and ignores --bind, so a socket unit left on another address would
// quietly move the service. docs/exec.md, "Inherited sockets".
#pragma once

#include <string>
#include <vector>

#include "contract/contract.h"
#include "host/inherited.h"
#include "util/error.h"

namespace csd::check {

// service.bind written as host::socket_address_text writes an address ("127.0.0.1:8080",
// "[::]:8080", the path); "" when its host is a name, which no socket address shows.
std::string bind_address(const std::string& bind);

// Each socket must listen on service.bind, or be one of the contract's per-instance health
// sockets (zero_downtime). An error naming the first that does not; nothing to compare without
// a bind.
Status check_inherited_sockets(const Contract& c, const std::vector<host::InheritedSocket>& sockets);

}  // namespace csd::check
