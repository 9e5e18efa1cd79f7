// The preflight: every installed file of a deployment, and its conda environment, against the contract.
#pragma once

#include "check/context.h"
#include "check/finding.h"

namespace csd::check {

Report run(const Context& ctx);

}  // namespace csd::check
