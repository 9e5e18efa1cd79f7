// Units render wrote from a contract that no longer renders them (a removed [[worker]]): check
// refuses them, render removes them once they are stopped.
#pragma once

#include <string>
#include <vector>

#include "contract/contract.h"
#include "util/error.h"
#include "util/root.h"

namespace csd::render {

struct Orphan {
  std::string unit;  // "app-old-worker.service"
  std::string path;  // as the deployment sees it
};

// Unit files in systemd's unit directories whose header says render wrote them from contract `c`
// (its name, and its installed copy when the header names one) and that `c` no longer renders.
// Only files named like the contract's units ("NAME.service", "NAME-*.service") are read.
std::vector<Orphan> find_orphans(const Contract& c, const Root& root);

// Removes one orphan's unit file, but only while its header still says render wrote it.
Status remove_orphan(const Contract& c, const Orphan& orphan, const Root& root);

}  // namespace csd::render
