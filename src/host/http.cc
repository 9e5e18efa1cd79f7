// The health probe through libcurl, loaded with dlopen(3) the first time a probe runs: every
// conda-systemd start (check and exec at each service start) would otherwise load libcurl and the
// thirty libraries behind it (TLS, Kerberos, LDAP), several milliseconds and 5 MiB of mappings
// that only health checks need (docs/performance.md).
#include <curl/curl.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "host/dl.h"
#include "host/health.h"

namespace csd::host {

namespace {

struct Curl {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  std::string error;  // why it could not be loaded; "" when loaded
};

const Curl& curl() {
  static const Curl loaded = [] {
    Curl c{};
    void* lib = open_library("libcurl.so.4", "libcurl4", c.error);
    if (!lib) return c;
    bool ok = bind_symbol(lib, "curl_global_init", c.global_init) &&
              bind_symbol(lib, "curl_easy_init", c.easy_init) &&
              bind_symbol(lib, "curl_easy_cleanup", c.easy_cleanup) &&
              bind_symbol(lib, "curl_easy_setopt", c.easy_setopt) &&
              bind_symbol(lib, "curl_easy_perform", c.easy_perform) &&
              bind_symbol(lib, "curl_easy_getinfo", c.easy_getinfo) &&
              bind_symbol(lib, "curl_easy_strerror", c.easy_strerror);
    if (!ok)
      c.error = "libcurl lacks a function conda-systemd needs";
    else
      c.global_init(CURL_GLOBAL_DEFAULT);
    return c;
  }();
  return loaded;
}

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) {
  return size * n;
}

}  // namespace

Result<long> http_get_status(const std::string& url, Millis timeout, const std::string& unix_socket) {
  const Curl& api = curl();
  if (!api.error.empty()) return make_error(api.error);
  std::unique_ptr<CURL, void (*)(CURL*)> handle(api.easy_init(), api.easy_cleanup);
  if (!handle) return make_error("cannot initialise libcurl");
  CURL* c = handle.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  api.easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!unix_socket.empty()) api.easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_socket.c_str());
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(c, CURLOPT_NOPROXY, "*");
  api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  api.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(timeout.count(), 1)));
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = api.easy_perform(c);
  if (rc != CURLE_OK)
    return make_error(fmt::format("GET {}{}: {}", url, unix_socket.empty() ? "" : " through " + unix_socket,
                                  errbuf[0] ? errbuf : api.easy_strerror(rc)));
  long status = 0;
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace csd::host
