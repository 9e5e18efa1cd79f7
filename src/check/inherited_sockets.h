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
// sockets (zero_downtime). And an instance of the zero-downtime layout (`unit`, the unit exec runs
// in) must have the one on service.bind among them: without it gunicorn would serve its health
// socket alone, and a swap to it would leave no one on the service's address. An error naming
// what is wrong; nothing to compare without a bind.
Status check_inherited_sockets(const Contract& c, const std::vector<host::InheritedSocket>& sockets,
                               const std::string& unit);

}  // namespace csd::check
