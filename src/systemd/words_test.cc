#include "systemd/words.h"

#include <gtest/gtest.h>

#include <vector>

namespace csd::systemd {
namespace {

// All words of `text`, or the error message.
std::vector<std::string> words(std::string_view text, WordOptions options = {}) {
  std::vector<std::string> out;
  for (;;) {
    auto w = next_word(text, options);
    if (!w) return {"ERROR: " + w.error().message};
    if (!*w) return out;
    out.push_back(**w);
  }
}

using V = std::vector<std::string>;

TEST(UnitWordsTest, SplitsOnAnyWhitespace) {
  EXPECT_EQ(words("  a \t b\n\rc  "), (V{"a", "b", "c"}));
  EXPECT_EQ(words(""), V{});
  EXPECT_EQ(words("   "), V{});
}

TEST(UnitWordsTest, QuotesMayStartMidWord) {
  // Verified with systemd 252: mid"dle quo"ted is one word.
  EXPECT_EQ(words(R"(mid"dle quo"ted 'a b' "")"), (V{"middle quoted", "a b", ""}));
  EXPECT_EQ(words(R"("it's" 'say "hi"')"), (V{"it's", "say \"hi\""}));
}

TEST(UnitWordsTest, CEscapesWorkEvenInSingleQuotes) {
  EXPECT_EQ(words(R"('a\nb' "\t" \s \\ \" \')"), (V{"a\nb", "\t", " ", "\\", "\"", "'"}));
  EXPECT_EQ(words(R"(\x41\101\u00e9\U0001F600)"), (V{"AA\xC3\xA9\xF0\x9F\x98\x80"}));
  EXPECT_EQ(words(R"(\a\b\f\r\v)"), (V{"\a\b\f\r\v"}));
  EXPECT_EQ(words(R"(\xff)"), (V{"\xff"}));  // a raw byte, not U+00FF
}

TEST(UnitWordsTest, UnknownEscapesFailOrStayVerbatim) {
  EXPECT_EQ(words(R"(a\qb)")[0].substr(0, 6), "ERROR:");
  WordOptions keep;
  keep.keep_unknown_escapes = true;
  // systemd 252 logs "Ignoring unknown escape sequences" and keeps them.
  EXPECT_EQ(words(R"(a\qb \x00 \x4g \0 \400 \U00110000 \uD800)", keep),
            (V{"a\\qb", "\\x00", "\\x4g", "\\0", "\\400", "\\U00110000", "\xED\xA0\x80"}));
}

TEST(UnitWordsTest, UnbalancedQuotesAndTrailingBackslash) {
  EXPECT_EQ(words(R"("abc)")[0].substr(0, 25), "ERROR: unbalanced quoting");
  EXPECT_EQ(words(R"(a 'b)")[0].substr(0, 25), "ERROR: unbalanced quoting");
  EXPECT_EQ(words(R"("ab\)")[0].substr(0, 25), "ERROR: unbalanced quoting");
  EXPECT_EQ(words(R"(ab\)")[0].substr(0, 25), "ERROR: trailing backslash");
  WordOptions keep;
  keep.keep_unknown_escapes = true;
  EXPECT_EQ(words(R"(ab\)", keep), (V{"ab\\"}));
  EXPECT_EQ(words(R"("ab\)", keep)[0].substr(0, 25), "ERROR: unbalanced quoting");
  WordOptions relax;
  relax.relax = true;
  EXPECT_EQ(words(R"(a "b c)", relax), (V{"a", "b c"}));
}

TEST(UnitWordsTest, WithoutCEscapesABackslashTakesTheNextByte) {
  WordOptions plain;
  plain.c_escapes = false;
  EXPECT_EQ(words(R"(a\nb "x\"y" \q)", plain), (V{"anb", "x\"y", "q"}));
}

TEST(UnitWordsTest, LeavesRestAfterSeparators) {
  std::string_view rest = "one   two three";
  auto w = next_word(rest);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(**w, "one");
  EXPECT_EQ(rest, "two three");
}

TEST(UnitWordsTest, QuoteWordRoundTrips) {
  const std::vector<std::string> samples = {
      "plain",          "",          "two words",  "it's",         "say \"hi\"",  "back\\slash",
      "tab\there",      "new\nline", "cr\r",       "\x01\x7f",     "caf\xC3\xA9", "\xff\xfe bytes",
      "%n $FOO ${BAR}", ";",         "trailing\\", "\xEF\xBF\xBF", "'",           "\"",
      "#hash",          "a=b"};
  for (const auto& s : samples) {
    std::string q = quote_word(s);
    std::string_view view = q;
    auto w = next_word(view);
    ASSERT_TRUE(w.ok()) << q << ": " << w.error().message;
    ASSERT_TRUE(w->has_value()) << q;
    EXPECT_EQ(**w, s) << q;
    EXPECT_TRUE(view.empty()) << q;
    EXPECT_TRUE(is_valid_utf8(q)) << q;
  }
  EXPECT_EQ(quote_word("plain/path"), "plain/path");
  EXPECT_EQ(quote_word("two words"), "\"two words\"");
}

TEST(UnitWordsTest, Utf8ValidityFollowsSystemd) {
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong "/"
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF, refused by systemd's utf8_is_valid
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

}  // namespace
}  // namespace csd::systemd
