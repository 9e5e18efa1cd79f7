#include "watchdog/reload.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "watchdog/proc.h"

namespace csd::watchdog {

std::vector<pid_t> running_children(pid_t parent) {
  std::vector<pid_t> out;
  for (pid_t p : list_children(parent))
    if (process_running(p)) out.push_back(p);
  return out;
}

WorkerTracker::WorkerTracker(pid_t master, int expected) : master_(master), expected_(expected) {
  old_ = running_children(master);
  for (pid_t p : old_)
    if (auto fd = Pidfd::open(p); fd) old_fds_.push_back(std::move(fd).value());
}

std::vector<int> WorkerTracker::old_worker_fds() const {
  std::vector<int> out;
  for (const auto& fd : old_fds_) out.push_back(fd.fd());
  return out;
}

WorkerTracker::Progress WorkerTracker::check() const {
  Progress p;
  for (const auto& fd : old_fds_)
    if (!fd.exited()) p.old_left.push_back(fd.pid());
  for (pid_t child : running_children(master_))
    // A PID of an exited old worker may already be reused by a new one: only a live old
    // worker's PID is excluded.
    if (std::find(p.old_left.begin(), p.old_left.end(), child) == p.old_left.end())
      p.new_workers.push_back(child);
  p.done = p.old_left.empty() && static_cast<int>(p.new_workers.size()) == expected_;
  return p;
}

namespace {

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) {
  return size * n;
}

}  // namespace

Result<long> http_get_status(const std::string& url, Millis timeout) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return make_error("cannot initialise libcurl");
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(timeout.count(), 1)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return make_error(fmt::format("GET {}: {}", url, errbuf[0] ? errbuf : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace csd::watchdog
