#include "contract/naming.h"
#include "render/env_value.h"
#include "render/render.h"

namespace csd::render {

// systemd's EnvironmentFile= reading: a bare value keeps everything up to the end of the line,
// inline "#" included, so anything but plain characters goes in double quotes.
std::string quote_env_value(const std::string& v) {
  if (!v.empty() && v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                        "@%+=:,./_-") == std::string::npos)
    return v;
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\' || ch == '$' || ch == '`') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string render_environment_file(const Contract& c) {
  std::string out = generated_header(c);
  out += "# Read by systemd (EnvironmentFile=) and by the app: no inline comments, no shell expansion.\n";
  for (const auto& var : contract_environment(c)) out += var.name + "=" + quote_env_value(var.value) + "\n";
  return out;
}

}  // namespace csd::render
