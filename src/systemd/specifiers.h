// Unit file specifiers ("%n", "%i", "%t", ...), as in the table of systemd.unit(5).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "systemd/unit_name.h"
#include "util/error.h"

namespace csd::systemd {

// Specifier letter -> replacement. "%%" is always a single "%" and needs no entry.
using SpecifierTable = std::map<char, std::string>;

// What the system manager of systemd 252 substitutes for a unit: the name-derived specifiers
// (%n %N %p %P %i %I %j %J %f), the manager's directories (%t %S %C %L %E %T %V), its user
// (%u %U %g %G %h: root, whatever User= says) and %d. `fragment_path` adds %y and %Y when not empty.
// Host facts (%H %l %q %m %b %a %v %o %w %W %A %B %M %s) are left out: add them when they matter.
SpecifierTable unit_specifiers(const UnitName& name, const std::string& fragment_path = {});

// True for every letter systemd 252 knows, whether or not a table gives it a value.
bool is_known_specifier(char c);

// Expands specifiers the way systemd's specifier_printf() does: "%%" is "%", a lone "%" at the end
// stays, a letter systemd does not know is an error, and so is one the table has no value for.
Result<std::string> expand_specifiers(std::string_view text, const SpecifierTable& table);

// Every "%" doubled: the text systemd reads back as `s` itself, no specifier expanded.
std::string double_percent(std::string_view s);

}  // namespace csd::systemd
