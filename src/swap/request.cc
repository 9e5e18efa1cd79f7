#include "swap/request.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "util/file.h"
#include "util/json_bounds.h"
#include "util/user.h"

namespace csd::swap {

using nlohmann::json;

namespace {

// What the reader accepts (text_field below): no control byte, not empty, bounded. The user
// comes from the dashboard's flag and may be anything JSON can hold.
std::string clean_field(std::string v) {
  for (char& ch : v)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  if (v.size() > kMaxFieldBytes) v = bounded_text(v, kMaxFieldBytes - 32);
  return v.empty() ? "-" : v;
}

}  // namespace

std::string request_text(const Request& r) {
  return json{{"service", clean_field(r.service)},
              {"request_id", clean_field(r.request_id)},
              {"requested_by", clean_field(r.requested_by)}}
             .dump() +
         "\n";
}

namespace {

Error refused(const std::string& path, const std::string& why) {
  return file_error(path, why,
                    "the watchdog writes this file; remove it, and ask again through the dashboard");
}

// A field of the request: a string without control bytes, at most kMaxFieldBytes (the parser
// has checked it is UTF-8).
Result<std::string> text_field(const json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return refused(path, fmt::format("\"{}\" is missing or not a string", key));
  const std::string& v = it->get_ref<const std::string&>();
  if (v.empty() || v.size() > kMaxFieldBytes)
    return refused(path, fmt::format("\"{}\" is empty or over {} bytes", key, kMaxFieldBytes));
  for (unsigned char ch : v)
    if (ch < 0x20 || ch == 0x7f) return refused(path, fmt::format("\"{}\" holds a control byte", key));
  return v;
}

Status check_owner(const std::string& path, const Contract& c) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return refused(path, fmt::format("cannot stat: {}", std::strerror(errno)));
  auto user = uid_of_user(c.service.user);
  if (!user) return user.error();
  if (st.st_uid != 0 && st.st_uid != *user)
    return refused(path, fmt::format("is owned by uid {}, neither root nor the service user {} (uid {})",
                                     st.st_uid, c.service.user, *user));
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return refused(path, fmt::format("is writable by others (mode {:04o})", st.st_mode & 07777));
  return ok_status();
}

}  // namespace

Result<Request> read_request(const std::string& path, const Contract& c) {
  auto text = read_file(path, {.max_bytes = kMaxRequestBytes, .follow_symlinks = false});
  if (!text) return text.error();
  if (auto owner = check_owner(path, c); !owner) return owner.error();
  if (nests_deeper_than(*text, 2)) return refused(path, "is not one flat JSON object");
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return refused(path, "is not one JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "service" && key != "request_id" && key != "requested_by")
      return refused(path, fmt::format("has an unknown field \"{}\"", bounded_text(key, 64)));
  Request r;
  for (auto [key, field] : {std::pair{"service", &r.service}, std::pair{"request_id", &r.request_id},
                            std::pair{"requested_by", &r.requested_by}}) {
    auto v = text_field(j, key, path);
    if (!v) return v.error();
    *field = *v;
  }
  if (r.service != c.name)
    return refused(path, fmt::format("asks a swap of '{}', not of '{}'", r.service, c.name));
  return r;
}

Result<std::string> set_aside_request(const std::string& path) {
  // Never followed: rename(2) moves a link or a FIFO itself.
  std::string aside = path + ".rejected";
  if (::rename(path.c_str(), aside.c_str()) != 0 && ::unlink(path.c_str()) != 0)
    return file_error(path, fmt::format("could not be set aside: {}", std::strerror(errno)));
  return aside;
}

Result<Request> check_request(const std::string& path, const Contract& c) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return file_error(path, fmt::format("no swap request: {}", std::strerror(errno)),
                      "nothing was swapped; the watchdog writes the request when a restart is asked");
  auto r = read_request(path, c);
  if (r) return r;
  Error e = r.error();
  auto aside = set_aside_request(path);
  e.message += aside ? "; set aside as " + base_name(*aside) : " (and it " + aside.error().message + ")";
  return e;
}

Result<Request> take_request(const std::string& path, const Contract& c) {
  auto r = check_request(path, c);
  if (!r) return r;
  if (::unlink(path.c_str()) != 0)
    return file_error(path, fmt::format("cannot remove the request: {}", std::strerror(errno)));
  return r;
}

}  // namespace csd::swap
