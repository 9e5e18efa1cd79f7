#include "host/journal.h"

#include <fmt/format.h>
#include <sys/uio.h>

#include <cstring>

#include "host/libsystemd.h"

namespace csd::host {

Status journal_send(std::vector<std::string> fields) {
  auto lib = libsystemd();
  if (!lib) return lib.error();
  std::vector<struct iovec> iov;
  iov.reserve(fields.size());
  for (auto& f : fields) iov.push_back({f.data(), f.size()});
  int r = (*lib)->journal_sendv(iov.data(), static_cast<int>(iov.size()));
  if (r < 0) return make_error(fmt::format("cannot write to the journal: {}", std::strerror(-r)));
  return ok_status();
}

}  // namespace csd::host
