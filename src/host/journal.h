// Structured entries for the journal (sd_journal_sendv through libsystemd, loaded on first use).
#pragma once

#include <string>
#include <vector>

#include "util/error.h"

namespace csd::host {

// Each field "KEY=value" (MESSAGE=, PRIORITY=, ... among them). Fails when there is no journal.
Status journal_send(std::vector<std::string> fields);

}  // namespace csd::host
