// Progress of long work (deploy, rollback), rendered from the library's events (deploy::Event): each
// step as it starts and as it ends with its time, and each health probe. On a terminal also a live
// line counting the seconds of the step under way, so a restart or a health wait of two minutes is
// never silent; plain lines only in a pipe or the journal. With --quiet only the steps that fail;
// with --json nothing is printed and the events become part of the result (docs/json.md).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "deploy/deploy.h"

namespace csd::cli {

class Progress {
 public:
  enum class Mode { kLive, kLines, kQuiet, kJson };
  explicit Progress(Mode mode);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void event(const deploy::Event& e);
  // Every event so far with its time since the start: {"at_ms", "kind", "text", "ok", ...}.
  const nlohmann::json& events() const { return events_; }

 private:
  void line(const std::string& text);  // "[  12.3s] deploy: ...", with mutex_ held
  void tick();
  void clear_live();  // with mutex_ held

  using Clock = std::chrono::steady_clock;
  const Mode mode_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point step_start_ = start_;
  std::string step_text_;  // the step under way, for the live line
  nlohmann::json events_ = nlohmann::json::array();
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  bool shown_ = false;
  std::thread ticker_;
};

}  // namespace csd::cli
