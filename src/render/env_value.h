// A value as an environment file must hold it so that systemd's EnvironmentFile= and a shell read
// the same: plain characters bare, anything else in double quotes.
#pragma once

#include <string>

namespace csd::render {

std::string quote_env_value(const std::string& value);

}  // namespace csd::render
