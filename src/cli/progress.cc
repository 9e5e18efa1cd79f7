#include "cli/progress.h"

#include <fmt/format.h>

#include <cstdio>

namespace csd::cli {

namespace {

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

Progress::Progress(bool live) : live_(live) {
  if (live_) ticker_ = std::thread([this] { tick(); });
}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
    clear_live();
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void Progress::clear_live() {
  if (!shown_) return;
  std::fputs("\r\033[K", stdout);
  std::fflush(stdout);
  shown_ = false;
}

void Progress::line(const std::string& text) {
  std::lock_guard lock(mutex_);
  clear_live();
  auto now = Clock::now();
  fmt::print("[{:6.1f}s] {}\n", seconds(now - start_), text);
  std::fflush(stdout);
  last_ = now;
}

void Progress::tick() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; })) {
    auto now = Clock::now();
    fmt::print("\r\033[K  ... {:.0f}s in this step, {:.0f}s in all", seconds(now - last_),
               seconds(now - start_));
    std::fflush(stdout);
    shown_ = true;
  }
}

}  // namespace csd::cli
