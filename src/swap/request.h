// The swap request (docs/deploy.md, "Swaps the watchdog asks for"): with restart_mode = "swap" the
// watchdog, which runs as the service user, writes it; NAME-swap.path sees it and starts the root
// oneshot NAME-swap.service, which runs `deploy --request FILE`. Root reads what the service user
// wrote, so the reader trusts nothing of it: it must be a small regular file (no link, no FIFO)
// owned by root or the service user and writable by no one else, holding one JSON object with
// exactly these fields, for this service.
#pragma once

#include <string>

#include "contract/contract.h"
#include "util/error.h"

namespace csd::swap {

struct Request {
  std::string service;       // the contract's name
  std::string request_id;    // the watchdog's request id, for the audit trail
  std::string requested_by;  // who asked through the dashboard ("-" when nobody said)
};

inline constexpr std::size_t kMaxRequestBytes = 4096;
inline constexpr unsigned kRequestMode = 0644;

// One line of JSON.
std::string request_text(const Request& r);

// Reads and checks the request at `path` for contract `c`; an error saying what is wrong.
Result<Request> read_request(const std::string& path, const Contract& c);

// Checks the request at `path`: a bad one is set aside as PATH.rejected (the .path unit would
// start the swap again on it otherwise), a good one is left where it is. A missing request is an
// error too and changes nothing.
Result<Request> check_request(const std::string& path, const Contract& c);

// Checks it and, when it is good, removes it: it is carried out once. Called with the deployment's
// lock held, so that a request is never removed while another operation could still refuse it.
Result<Request> take_request(const std::string& path, const Contract& c);

// Renames it PATH.rejected (a link or a FIFO itself, never what it points at): out of the .path
// unit's way, and kept to be read. The new path.
Result<std::string> set_aside_request(const std::string& path);

}  // namespace csd::swap
