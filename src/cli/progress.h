// Progress of long work (deploy, rollback): each event as a line with the time since the start;
// on a terminal also a live line that counts the seconds of the step under way, so a restart or a
// health wait of two minutes is never silent. Plain lines only in a pipe or the journal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace csd::cli {

class Progress {
 public:
  explicit Progress(bool live);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // "[  12.3s] deploy: health gate passed ..."
  void line(const std::string& text);

 private:
  void tick();
  void clear_live();  // with mutex_ held

  using Clock = std::chrono::steady_clock;
  const bool live_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  bool shown_ = false;
  std::thread ticker_;
};

}  // namespace csd::cli
