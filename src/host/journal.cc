#include "host/journal.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "host/datagram.h"

namespace csd::host {

std::string journal_datagram(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) {
    auto eq = f.find('=');
    if (eq == std::string::npos) continue;  // not a field
    std::string_view value = std::string_view(f).substr(eq + 1);
    if (value.find('\n') == std::string_view::npos) {
      out += f;
      out += '\n';
      continue;
    }
    out.append(f, 0, eq);
    out += '\n';
    std::uint64_t n = value.size();
    for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += value;
    out += '\n';
  }
  return out;
}

Status journal_send(const std::vector<std::string>& fields, const std::string& socket_path) {
  auto sent = send_datagram(socket_path, journal_datagram(fields));
  if (!sent) return make_error("cannot write to the journal: " + sent.error().message);
  return ok_status();
}

}  // namespace csd::host
