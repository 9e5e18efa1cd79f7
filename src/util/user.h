// Users of this system by name.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/error.h"

namespace csd {

// The uid of a user name, or an error naming it.
Result<uid_t> uid_of_user(const std::string& user);

}  // namespace csd
