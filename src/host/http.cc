// The health probe through libcurl, loaded with dlopen(3) the first time a probe runs: every
// conda-systemd start (check and exec at each service start) would otherwise load libcurl and the
// thirty libraries behind it (TLS, Kerberos, LDAP), several milliseconds and 5 MiB of mappings
// that only health checks need (docs/performance.md).
#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "host/dl.h"
#include "host/health.h"

namespace csd::host {

namespace {

// The functions the probe calls, each curl_NAME as NAME: the one list the struct and its loading
// are made from.
#define CSD_CURL_FUNCTIONS(F) \
  F(global_init)              \
  F(easy_init)                \
  F(easy_cleanup)             \
  F(easy_setopt)              \
  F(easy_perform)             \
  F(easy_getinfo)             \
  F(easy_strerror)

struct Curl {
#define CSD_DECLARE(name) decltype(&curl_##name) name;
  CSD_CURL_FUNCTIONS(CSD_DECLARE)
#undef CSD_DECLARE
};

const Loaded<Curl>& curl() {
  static const Loaded<Curl> loaded = [] {
    auto l = load_library<Curl>("libcurl.so.4", "libcurl4", [](void* lib, Curl& c) {
#define CSD_BIND(name) &&bind_symbol(lib, "curl_" #name, c.name)
      return true CSD_CURL_FUNCTIONS(CSD_BIND);
#undef CSD_BIND
    });
    if (l.error.empty()) l.api.global_init(CURL_GLOBAL_DEFAULT);
    return l;
  }();
  return loaded;
}

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) {
  return size * n;
}

}  // namespace

Result<long> http_get_status(const std::string& url, Millis timeout, const std::string& unix_socket) {
  const Loaded<Curl>& loaded = curl();
  if (!loaded.error.empty()) return make_error(loaded.error);
  const Curl& api = loaded.api;
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
