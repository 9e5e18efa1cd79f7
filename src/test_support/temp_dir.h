// A temporary directory for tests, removed with everything in it.
#pragma once

#include <string>

namespace csd::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Paths below are relative to the directory, written as absolute ("/etc/x" -> DIR/etc/x).
  std::string at(const std::string& rel) const { return path_ + rel; }
  void mkdirs(const std::string& rel) const;
  void write(const std::string& rel, const std::string& content, unsigned mode = 0644) const;

 private:
  std::string path_;
};

}  // namespace csd::test
