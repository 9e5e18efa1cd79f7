// A conda-layout environment made of plain files, for tests that need one on disk but run nothing in
// it (no Python needed): conda-meta with its history and package records, bin/python (an ELF stub)
// and the gunicorn and rq entry points with a shebang into the prefix.
#pragma once

#include <string>
#include <vector>

#include "test_support/temp_dir.h"

namespace csd::test {

// At PREFIX under DIR, with Python 3.11 and one record per package ("flask-2.2.2-py_0").
void write_conda_env(const TempDir& dir, const std::string& prefix, const std::vector<std::string>& packages);

}  // namespace csd::test
