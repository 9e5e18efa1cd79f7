// Exec lines and words: parse_exec_line with a real unit's specifiers, the $VAR expansion systemd
// applies at start, and the round trips the renderer relies on: a command written back by
// format_exec_command, and a word quoted by quote_word / quote_exec_arg, read back unchanged.
#include "fuzz.h"
#include "systemd/exec_line.h"
#include "systemd/specifiers.h"
#include "systemd/unit_name.h"
#include "systemd/words.h"

using namespace csd::systemd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = csd::fuzz::as_text(data, size);
  // A unit file never holds a NUL byte (parse_unit_text refuses it), and no escape writes one back.
  if (text.find('\0') != std::string_view::npos) return 0;
  static const SpecifierTable table =
      unit_specifiers(*parse_unit_name("app@one.service"), "/etc/app@.service");
  auto commands = parse_exec_line(text, table);
  if (commands) {
    for (const auto& c : *commands) {
      (void)expand_exec_environment(c.argv, {{"A", "x y"}, {"B", ""}});
      auto line = format_exec_command(c);
      if (!line) continue;
      auto again = parse_exec_line(*line, table);
      csd::fuzz::fuzz_check(again.ok() && again->size() == 1 && again->front().argv == c.argv &&
                                again->front().path == c.path && again->front().prefixes == c.prefixes,
                            "format_exec_command reads back as the same command");
    }
  }
  // The same bytes as words, with each set of options systemd uses.
  for (WordOptions o : {WordOptions{}, WordOptions{.keep_unknown_escapes = true}, WordOptions{.relax = true},
                        WordOptions{.c_escapes = false}}) {
    std::string_view rest = text;
    for (;;) {
      auto w = next_word(rest, o);
      if (!w || !*w) break;
      std::string quoted = quote_word(**w);
      std::string_view back = quoted;
      auto read = next_word(back);
      csd::fuzz::fuzz_check(read.ok() && *read && **read == **w, "quote_word reads back as the word");
    }
  }
  return 0;
}
