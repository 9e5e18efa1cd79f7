// A whole deployment laid out in a temporary folder, for tests that use --root: a conda-layout
// environment made of plain files (no Python needed) and everything `render` writes.
#pragma once

#include <string>

#include "contract/contract.h"
#include "test_support/temp_dir.h"

namespace csd::test {

// The example contract's shape, with the environment at /opt/miniconda3/envs/app.
extern const std::string kContract;

// kContract with one more [[worker]] NAME running `rq worker NAME`.
std::string contract_with_worker(const std::string& name);

class Deployment {
 public:
  // Lays out the environment and renders `contract_text` into the folder.
  explicit Deployment(const std::string& contract_text = kContract);

  const std::string& root() const { return dir_.path(); }
  const Contract& contract() const { return contract_; }
  const TempDir& dir() const { return dir_; }
  void write(const std::string& path, const std::string& content, unsigned mode = 0644) const {
    dir_.write(path, content, mode);
  }
  std::string read(const std::string& path) const;
  // Replaces the first occurrence of `from` in a deployed file.
  void edit(const std::string& path, const std::string& from, const std::string& to) const;

 private:
  TempDir dir_;
  Contract contract_;
};

}  // namespace csd::test
