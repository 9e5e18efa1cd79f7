// Which conda environment a contract's [conda] names, and switching it in the contract's text.
// deploy switches it; render and check keep what deploy switched (docs/deploy.md).
#pragma once

#include <string>

#include "util/error.h"

namespace csd {

// Exactly one of the two.
struct CondaTarget {
  std::string env;     // an environment name, looked up as conda does
  std::string prefix;  // an explicit prefix

  bool operator==(const CondaTarget&) const = default;
  std::string spec() const;  // `env = "NAME"` or `prefix = "/path"`, as the contract writes it
};

// The contract text with [conda] pointing at `target`: the env/prefix line replaced, the rest
// kept byte for byte, comments included. The result must still parse.
Result<std::string> set_conda_target(const std::string& text, const CondaTarget& target,
                                     const std::string& source);

}  // namespace csd
