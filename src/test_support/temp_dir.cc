#include "test_support/temp_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace csd::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/csd-test-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::mkdirs(const std::string& rel) const {
  std::filesystem::create_directories(at(rel));
}

void TempDir::write(const std::string& rel, const std::string& content, unsigned mode) const {
  std::filesystem::create_directories(std::filesystem::path(at(rel)).parent_path());
  std::ofstream(at(rel), std::ios::binary | std::ios::trunc) << content;
  ::chmod(at(rel).c_str(), mode);
}

}  // namespace csd::test
