#include "util/diff.h"

#include <gtest/gtest.h>

#include <random>

#include "test_support/process.h"
#include "test_support/temp_dir.h"
#include "util/file.h"

namespace csd {
namespace {

TEST(Diff, EqualIsEmpty) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
}

TEST(Diff, OneChangedLineWithContext) {
  std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n";
  std::string b = "1\n2\n3\n4\nFIVE\n6\n7\n8\n";
  EXPECT_EQ(unified_diff(a, b, "installed", "rendered"),
            "--- installed\n+++ rendered\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n");
}

TEST(Diff, FarApartChangesMakeTwoHunks) {
  std::string a, b;
  for (int i = 1; i <= 20; ++i) {
    a += std::to_string(i) + "\n";
    b += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  std::string d = unified_diff(a, b, "a", "b");
  EXPECT_NE(d.find("@@ -1,5 +1,5 @@"), std::string::npos) << d;
  EXPECT_NE(d.find("@@ -15,6 +15,6 @@"), std::string::npos) << d;
}

TEST(Diff, FromNothing) {
  EXPECT_EQ(unified_diff("", "a\nb\n", "/dev/null", "new"),
            "--- /dev/null\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n");
}

// GNU diff and patch are the oracles: our diff must be the one diff -u prints where the edit is
// unambiguous, and patch(1) must turn the old text into the new one with it in every case.
test::Ran tool(const std::vector<std::string>& args) {
  return test::run(args, {"PATH=/usr/bin:/bin", "LANG=C"}, 30);
}

std::string gnu_diff(const std::string& a, const std::string& b) {
  test::TempDir dir;
  dir.write("/a", a);
  dir.write("/b", b);
  return tool({"/usr/bin/diff", "-u", "--label", "a", "--label", "b", dir.at("/a"), dir.at("/b")}).out;
}

// Applies `diff` to `a` with patch(1); what comes out, or the error.
std::string patched(const std::string& a, const std::string& diff) {
  test::TempDir dir;
  dir.write("/a", a);
  dir.write("/d", diff);
  auto r = tool({"/usr/bin/patch", "-s", "-o", dir.at("/out"), dir.at("/a"), dir.at("/d")});
  if (r.status != 0) return "patch failed: " + r.out + r.err;
  auto out = read_file(dir.at("/out"));
  return out ? *out : out.error().to_string();
}

TEST(Diff, FinalNewlineOnlyIsAHunkAsDiffPrintsIt) {
  for (auto [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"a\nb\n", "a\nb"},
           {"a\nb", "a\nb\n"},
           {"a\nb", "a\nc"},
           {"", "x"},
           {"x", ""},
           {"1\n2\n3\n4\n5\n6\n7\n8\n9", "1\n2\n3\n4\n5\n6\n7\n8\n9\n"}}) {
    std::string ours = unified_diff(a, b, "a", "b");
    EXPECT_EQ(ours, gnu_diff(a, b)) << "[" << a << "] -> [" << b << "]";
    EXPECT_NE(ours.find("\\ No newline at end of file\n"), std::string::npos) << ours;
    EXPECT_EQ(patched(a, ours), b) << ours;
  }
}

TEST(Diff, SingleLineRangesLeaveOutTheLength) {
  EXPECT_EQ(unified_diff("a\n", "b\n", "a", "b"), "--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n");
}

TEST(Diff, PatchReproducesTheNewTextForGeneratedEdits) {
  std::mt19937 rng(11);  // fixed seed: the same cases every run
  for (int round = 0; round < 60; ++round) {
    std::vector<std::string> lines;
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) lines.push_back("line " + std::to_string(rng() % 12));
    std::string a, b;
    for (const auto& l : lines) a += l + "\n";
    for (const auto& l : lines) {
      switch (rng() % 6) {
        case 0:
          break;  // deleted
        case 1:
          b += "new " + std::to_string(rng() % 5) + "\n" + l + "\n";
          break;
        case 2:
          b += l + " changed\n";
          break;
        default:
          b += l + "\n";
      }
    }
    if (rng() % 3 == 0 && !a.empty()) a.pop_back();
    if (rng() % 3 == 0 && !b.empty()) b.pop_back();
    if (a == b) continue;
    std::string ours = unified_diff(a, b, "a", "b");
    ASSERT_EQ(patched(a, ours), b) << "round " << round << "\n" << ours;
  }
}

}  // namespace
}  // namespace csd
