#include "util/user.h"

#include <fmt/format.h>
#include <pwd.h>

namespace csd {

Result<uid_t> uid_of_user(const std::string& user) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwnam_r(user.c_str(), &pw, buf, sizeof(buf), &found) != 0 || !found)
    return make_error(fmt::format("no user '{}' on this system", user),
                      "create the user or fix service.user");
  return found->pw_uid;
}

}  // namespace csd
