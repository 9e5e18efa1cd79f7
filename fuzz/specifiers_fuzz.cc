// Unit names and specifiers: the first line is a unit name (parse_unit_name, which unescapes it),
// the rest is text expanded with that unit's table, as systemd's specifier_printf() does.
#include "fuzz.h"
#include "systemd/specifiers.h"
#include "systemd/unit_name.h"

using namespace csd::systemd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [name_text, text] = csd::fuzz::split_once(csd::fuzz::as_text(data, size), "\n");
  auto name = parse_unit_name(name_text);
  (void)unescape_unit_name_part(name_text);
  SpecifierTable table = name ? unit_specifiers(*name, "/etc/systemd/system/x.service")
                              : unit_specifiers(*parse_unit_name("app.service"));
  auto out = expand_specifiers(text, table);
  if (out && text.find('%') == std::string_view::npos)
    csd::fuzz::fuzz_check(*out == text, "text without '%' expands to itself");
  return 0;
}
