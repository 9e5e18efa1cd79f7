// An installed unit against what render writes for it now, compared as systemd reads both:
// (section, key, ordered values), comments and blank lines ignored. docs/diagnostics.md, CSD132/133/140.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "check/context.h"
#include "render/render.h"
#include "util/file.h"
#include "util/strings.h"

namespace csd::check {

namespace {

using systemd::Assignment;
using Values = std::vector<std::string>;

// Settings systemd accumulates, where an empty assignment resets the list; every other key keeps
// only its last assignment.
bool is_list_key(std::string_view key) {
  static const char* const keys[] = {"Documentation",
                                     "After",
                                     "Before",
                                     "Wants",
                                     "Requires",
                                     "BindsTo",
                                     "PartOf",
                                     "Requisite",
                                     "Upholds",
                                     "WantedBy",
                                     "RequiredBy",
                                     "Also",
                                     "Environment",
                                     "EnvironmentFile",
                                     "ExecStartPre",
                                     "ExecStart",
                                     "ExecStartPost",
                                     "ExecReload",
                                     "ExecStop",
                                     "ExecStopPost",
                                     "ReadWritePaths",
                                     "ReadOnlyPaths",
                                     "RuntimeDirectory",
                                     "StateDirectory",
                                     "CacheDirectory",
                                     "LogsDirectory",
                                     "SystemCallFilter",
                                     "SystemCallArchitectures",
                                     "RestrictAddressFamilies",
                                     "CapabilityBoundingSet",
                                     "AmbientCapabilities",
                                     "IPAddressDeny",
                                     "IPAddressAllow"};
  return std::any_of(std::begin(keys), std::end(keys), [&](const char* k) { return key == k; });
}

// Ordering and dependencies: a drop-in that only adds to them ("After=postgresql.service") keeps
// everything render wrote, so it is accepted like a key render does not write.
bool is_dependency_key(std::string_view key) {
  for (const char* k : {"After", "Before", "Wants", "Requires", "BindsTo", "PartOf", "Requisite", "Upholds",
                        "WantedBy", "RequiredBy"})
    if (key == k) return true;
  return false;
}

// Runs of white space mean one separator to systemd in every key render writes.
std::string normalized(std::string_view value) {
  std::string out;
  for (char ch : value) {
    bool space = ch == ' ' || ch == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : ch;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// What systemd ends up with. A reset is kept as "" so that "reset to nothing" (CapabilityBoundingSet=)
// differs from "never set".
Values effective(const std::vector<const Assignment*>& assignments, bool list) {
  Values out;
  for (const Assignment* a : assignments) {
    std::string v = normalized(a->value);
    if (!list || v.empty()) out.clear();
    out.push_back(std::move(v));
  }
  return out;
}

std::string shown(const std::string& key, const Values& values) {
  if (values.empty()) return "(not set)";
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : "; ") + key + "=" + v;
  return out;
}

struct Key {
  std::string section;
  std::string key;
  bool operator<(const Key& o) const { return std::tie(section, key) < std::tie(o.section, o.key); }
};

// Assignments by key, keys in order of first appearance.
struct Grouped {
  std::vector<Key> order;
  std::map<Key, std::vector<const Assignment*>> by_key;
  void add(const Assignment& a) {
    Key k{a.section, a.key};
    auto& list = by_key[k];
    if (list.empty()) order.push_back(k);
    list.push_back(&a);
  }
  const std::vector<const Assignment*>& at(const Key& k) const {
    static const std::vector<const Assignment*> none;
    auto it = by_key.find(k);
    return it == by_key.end() ? none : it->second;
  }
};

}  // namespace

void check_drift(const Context& ctx, const systemd::UnitConfig& unit, const std::string& rendered_text,
                 Report& report) {
  const Contract& c = ctx.contract;
  const std::string& name = unit.name();
  // The common case at every start, made cheap: no drop-in sets anything and the unit file is
  // byte for byte what render writes, so every key agrees.
  if (std::all_of(unit.assignments().begin(), unit.assignments().end(),
                  [&](const Assignment& a) { return a.file == unit.fragment_path(); })) {
    auto text =
        read_file(ctx.root.map(unit.fragment_path()), ReadOptions{.max_bytes = systemd::kUnitFileMaxBytes});
    if (text && *text == rendered_text) return;
  }
  auto rendered = systemd::parse_unit_text(rendered_text, name + " (rendered)");
  if (!rendered) return;  // render's output always reads back (unit_writer_test); nothing to compare
  Grouped want, fragment, all;
  for (const auto& section : rendered->sections)
    for (const auto& a : section.assignments) want.add(a);
  for (const auto& a : unit.assignments()) {
    if (a.file == unit.fragment_path()) fragment.add(a);
    all.add(a);
  }
  auto add = [&](const Key& k, Finding f) {
    bool hardening = render::is_hardening_key(k.key);
    f.code = hardening ? "CSD133" : "CSD132";
    if (hardening) f.message = "hardening weakened: " + f.message;
    f.unit = name;
    f.keys = {k.section + "." + k.key};
    report.add(std::move(f));
  };

  for (const Key& k : want.order) {
    if (report.explains(name, k.section + "." + k.key)) continue;
    bool list = is_list_key(k.key);
    Values w = effective(want.at(k), list), f = effective(fragment.at(k), list),
           a = effective(all.at(k), list);
    if (f != w) {
      const auto& lines = fragment.at(k);
      const Assignment* at = nullptr;
      for (std::size_t i = 0; i < lines.size() && !at; ++i)
        if (i >= w.size() || normalized(lines[i]->value) != w[i]) at = lines[i];
      if (!at && !lines.empty()) at = lines.back();
      add(k, {.file = unit.fragment_path(),
              .line = at ? at->line : 0,
              .message = at ? fmt::format("{}= of {} differs from what render writes", k.key, name)
                            : fmt::format("{}= of {} is missing: render writes it", k.key, name),
              .expected = shown(k.key, w),
              .found = shown(k.key, f),
              .fix = render_hint(c)});
      continue;
    }
    if (a == f) continue;
    const Assignment* first = nullptr;
    for (const Assignment* x : all.at(k))
      if (x->file != unit.fragment_path()) {
        first = x;
        break;
      }
    if (!first) continue;
    if (is_dependency_key(k.key) && a.size() > f.size() && std::equal(f.begin(), f.end(), a.begin())) {
      report.add({.code = "CSD140",
                  .severity = Severity::kNote,
                  .file = first->file,
                  .line = first->line,
                  .message = fmt::format("adds to {}= of {}; render's own values stay", k.key, name),
                  .found = first->key + "=" + first->value,
                  .unit = name,
                  .keys = {k.section + "." + k.key}});
      continue;
    }
    add(k, {.file = first->file,
            .line = first->line,
            .message = fmt::format("the drop-in changes {}= of {}, which render writes", k.key, name),
            .expected = shown(k.key, w),
            .found = shown(k.key, a),
            .fix = fix_for(c, unit, first->file)});
  }

  for (const Key& k : all.order) {
    if (want.by_key.count(k) || report.explains(name, k.section + "." + k.key)) continue;
    for (const Assignment* x : all.at(k)) {
      if (x->file == unit.fragment_path()) {
        add(k, {.file = x->file,
                .line = x->line,
                .message = fmt::format("{}= of {} is not in what render writes", k.key, name),
                .expected = "(not set)",
                .found = x->key + "=" + x->value,
                .fix = render_hint(c)});
        break;
      }
      report.add({.code = "CSD140",
                  .severity = Severity::kNote,
                  .file = x->file,
                  .line = x->line,
                  .message = fmt::format("adds {}= to {}; render does not write it", k.key, name),
                  .found = x->key + "=" + x->value,
                  .unit = name,
                  .keys = {k.section + "." + k.key}});
    }
  }
}

void check_installed_contract(const Context& ctx, Report& report) {
  const Contract& c = ctx.contract;
  std::string installed = ctx.root.map(c.installed_path());
  if (c.source == installed) return;  // the units' own check reads the installed copy itself
  auto source = ctx.contract_text.empty() ? read_file(c.source, ReadOptions{.max_bytes = 1 << 20})
                                          : Result<std::string>(ctx.contract_text);
  auto copy = read_file(installed, ReadOptions{.max_bytes = 1 << 20});
  if (!source || (copy && *copy == *source)) return;
  report.add(
      {.code = "CSD132",
       .file = c.installed_path(),
       .line = copy ? 1 : 0,
       .message =
           copy ? fmt::format("the installed contract differs from {}: the units read the installed one",
                              c.source)
                : fmt::format("the installed contract is missing: the units read it ({})",
                              copy.error().message),
       .expected = "the text of " + c.source,
       .found = copy ? "another text" : "(not readable)",
       .fix = render_hint(c)});
}

}  // namespace csd::check
