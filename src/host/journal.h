// Structured entries for the journal, written with its native protocol: one datagram on
// /run/systemd/journal/socket (systemd's "Native Journal Protocol" document; docs/watchdog.md, "The
// audit trail"). No libsystemd: the watchdog, which journals every decision, need not load it
// (and libgcrypt, zstd, lz4, lzma behind it) for that.
#pragma once

#include <string>
#include <vector>

#include "util/error.h"

namespace csd::host {

inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Each field "KEY=value" (MESSAGE=, PRIORITY=, ... among them). Fails when there is no journal, or
// when the entry does not fit in one datagram (journald's own limit, far above an audit entry).
Status journal_send(const std::vector<std::string>& fields, const std::string& socket = kJournalSocket);

// The datagram for `fields`: "KEY=value\n" each, or, for a value holding a newline, "KEY\n", the
// value's length as 64-bit little endian, the value and "\n".
std::string journal_datagram(const std::vector<std::string>& fields);

}  // namespace csd::host
