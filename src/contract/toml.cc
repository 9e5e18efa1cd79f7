// toml++'s implementation, compiled once (TOML_HEADER_ONLY=0 everywhere, docs/performance.md,
// "Build"), through contract/toml.h so that its correction applies to the parser.
#define TOML_IMPLEMENTATION
#include "contract/toml.h"
