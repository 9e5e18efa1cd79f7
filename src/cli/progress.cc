#include "cli/progress.h"

#include <fmt/format.h>

#include <cstdio>

namespace csd::cli {

namespace {

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

long long millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

const char* kind_name(deploy::Event::Kind kind) {
  switch (kind) {
    case deploy::Event::Kind::kStart:
      return "start";
    case deploy::Event::Kind::kEnd:
      return "end";
    case deploy::Event::Kind::kProbe:
      return "probe";
    case deploy::Event::Kind::kNote:
      break;
  }
  return "note";
}

}  // namespace

Progress::Progress(Mode mode) : mode_(mode) {
  if (mode_ == Mode::kLive) ticker_ = std::thread([this] { tick(); });
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
  clear_live();
  fmt::print("[{:6.1f}s] {}\n", seconds(Clock::now() - start_), text);
  std::fflush(stdout);
}

void Progress::event(const deploy::Event& e) {
  using Kind = deploy::Event::Kind;
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  nlohmann::json j = {
      {"at_ms", millis(now - start_)}, {"kind", kind_name(e.kind)}, {"text", e.text}, {"ok", e.ok}};
  std::string took;
  if (e.kind != Kind::kNote) j["step"] = e.step;
  if (e.kind == Kind::kEnd) {
    j["took_ms"] = millis(now - step_start_);
    took = fmt::format(" ({:.1f}s)", seconds(now - step_start_));
  }
  if (e.kind == Kind::kProbe) {
    j["attempt"] = e.probe.attempt;
    j["status"] = e.probe.status;
    j["took_ms"] = e.probe.took.count();
    took = fmt::format(" ({:.1f}s)", std::chrono::duration<double>(e.probe.took).count());
  }
  events_.push_back(std::move(j));
  if (e.kind == Kind::kStart) {
    step_start_ = now;
    // One terminal line: a wrapped live line could not be cleared.
    step_text_ = e.text.size() > 60 ? e.text.substr(0, 57) + "..." : e.text;
  } else if (e.kind == Kind::kEnd) {
    step_text_.clear();
  }
  switch (mode_) {
    case Mode::kJson:
      return;
    case Mode::kQuiet:
      // What failed, not a probe that a later one may make good.
      if (!e.ok && e.kind != Kind::kProbe) line(e.text);
      return;
    case Mode::kLive:
    case Mode::kLines:
      line(e.text + took);
      return;
  }
}

void Progress::tick() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; })) {
    auto now = Clock::now();
    if (step_text_.empty())
      fmt::print("\r\033[K  ... {:.0f}s in all", seconds(now - start_));
    else
      fmt::print("\r\033[K  ... {}: {:.0f}s ({:.0f}s in all)", step_text_, seconds(now - step_start_),
                 seconds(now - start_));
    std::fflush(stdout);
    shown_ = true;
  }
}

}  // namespace csd::cli
