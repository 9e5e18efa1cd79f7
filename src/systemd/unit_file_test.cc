#include "systemd/unit_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "test_support/temp_dir.h"

namespace csd::systemd {
namespace {

UnitFile parse_ok(std::string_view text) {
  auto r = parse_unit_text(text, "/etc/systemd/system/app.service");
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().to_string());
  return r ? *r : UnitFile{};
}

Error parse_error(std::string_view text) {
  auto r = parse_unit_text(text, "/etc/systemd/system/app.service");
  EXPECT_FALSE(r.ok());
  return r ? Error{} : r.error();
}

TEST(UnitFileTest, SectionsAndAssignmentsWithLines) {
  UnitFile f = parse_ok(
      "# generated\n"
      "[Unit]\n"
      "Description = Dashboard  \n"
      "\n"
      "[Service]\n"
      "  ExecStart=/usr/bin/gunicorn app:app\n"
      "; a comment\n"
      "Environment=A=1 B=2\n"
      "ExecStart=\n");
  ASSERT_EQ(f.sections.size(), 2u);
  EXPECT_EQ(f.sections[0].name, "Unit");
  EXPECT_EQ(f.sections[0].line, 2);
  EXPECT_EQ(f.sections[1].name, "Service");
  auto all = f.assignments();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0], (Assignment{"Unit", "Description", "Dashboard", "/etc/systemd/system/app.service", 3}));
  EXPECT_EQ(all[1].key, "ExecStart");
  EXPECT_EQ(all[1].value, "/usr/bin/gunicorn app:app");
  EXPECT_EQ(all[1].line, 6);
  EXPECT_EQ(all[2].value, "A=1 B=2");
  EXPECT_EQ(all[3].value, "");
  EXPECT_EQ(all[3].line, 9);
}

TEST(UnitFileTest, ValueKeepsEverythingAfterTheFirstEquals) {
  UnitFile f = parse_ok("[Service]\nEnvironment=\"A=1\" B==2 # not a comment\n");
  EXPECT_EQ(f.sections[0].assignments[0].value, "\"A=1\" B==2 # not a comment");
}

TEST(UnitFileTest, ContinuationLinesAsSystemd252) {
  // Verified with systemd 252 (systemd --test): Description became "a    b\\".
  UnitFile f = parse_ok(
      "[Unit]\n"
      "Description=a \\\n"
      "# skipped comment\n"
      "  ; skipped too\n"
      "  b\\\\\n"
      "After=x.service\n");
  auto all = f.assignments();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].value, "a    b\\\\");
  EXPECT_EQ(all[0].line, 2);
  EXPECT_EQ(all[1].key, "After");
  EXPECT_EQ(all[1].line, 6);
}

TEST(UnitFileTest, ContinuationEndsAtEmptyLineOrEndOfFile) {
  auto a = parse_ok("[Service]\nExecStart=/bin/true x\\\n\nUser=u\n").assignments();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].value, "/bin/true x");
  auto b = parse_ok("[Service]\nExecStart=/bin/true \\\n  y \\").assignments();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].value, "/bin/true    y");
}

TEST(UnitFileTest, ContinuedSectionHeaderAndKey) {
  auto f = parse_ok("[Ser\\\nvice]\nExec\\\nStart=/bin/x\n");
  // The backslash becomes a space, as in systemd; the names are then odd but parsed.
  ASSERT_EQ(f.sections.size(), 1u);
  EXPECT_EQ(f.sections[0].name, "Ser vice");
  EXPECT_EQ(f.sections[0].assignments[0].key, "Exec Start");
}

TEST(UnitFileTest, LineEndingsCrLfLoneCrAndBom) {
  auto f = parse_ok("\xEF\xBB\xBF[Unit]\r\nDescription=a\r\n[Service]\rUser=u\n\rGroup=g\r\n");
  ASSERT_EQ(f.sections.size(), 2u);
  auto all = f.assignments();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].value, "a");
  EXPECT_EQ(all[1].value, "u");
  EXPECT_EQ(all[1].line, 4);
  EXPECT_EQ(all[2].line, 5);  // "\n\r" is one line end for systemd's read_line()
}

TEST(UnitFileTest, EmptyAndCommentOnlyFiles) {
  EXPECT_TRUE(parse_ok("").sections.empty());
  EXPECT_TRUE(parse_ok("\n\n   \n").sections.empty());
  EXPECT_TRUE(parse_ok("# only\n; comments\n   # indented\n").sections.empty());
  EXPECT_EQ(parse_ok("[Unit]\n").sections.size(), 1u);
}

TEST(UnitFileTest, RepeatedSectionsStaySeparate) {
  auto f = parse_ok("[Service]\nA=1\n[Unit]\nB=2\n[Service]\nC=3\n");
  ASSERT_EQ(f.sections.size(), 3u);
  EXPECT_EQ(f.sections[2].assignments[0].section, "Service");
  EXPECT_EQ(f.assignments().size(), 3u);
}

TEST(UnitFileTest, AssignmentBeforeSectionIsAnError) {
  Error e = parse_error("User=x\n[Service]\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_NE(e.message.find("outside of any section"), std::string::npos);
  EXPECT_EQ(e.file, "/etc/systemd/system/app.service");
}

TEST(UnitFileTest, LineWithoutEqualsIsAnError) {
  Error e = parse_error("[Service]\nUser=x\nFoo\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_NE(e.message.find("missing '='"), std::string::npos);
  EXPECT_NE(e.hint.find("systemd ignores"), std::string::npos);
  EXPECT_EQ(e.to_string().substr(0, 35), "/etc/systemd/system/app.service:3: ");
  EXPECT_EQ(parse_error("[Service]\n=x\n").line, 2);
}

TEST(UnitFileTest, BadSectionHeaders) {
  EXPECT_NE(parse_error("[Service\nA=1\n").message.find("invalid section header"), std::string::npos);
  EXPECT_NE(parse_error("[Ser\"vice]\n").message.find("bad characters"), std::string::npos);
  EXPECT_NE(parse_error("[Ser\x01vice]\n").message.find("bad characters"), std::string::npos);
}

TEST(UnitFileTest, BinaryInputIsAnErrorNotACrash) {
  Error nul = parse_error(std::string("[Unit]\nDescription=a\0b\n", 22));
  EXPECT_EQ(nul.line, 2);
  EXPECT_NE(nul.message.find("binary file?"), std::string::npos);
  Error bad = parse_error("[Unit]\n\nDescription=\xff\xfe\n");
  EXPECT_EQ(bad.line, 3);
  EXPECT_NE(bad.message.find("invalid UTF-8 (binary file?)"), std::string::npos);
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 131 + 7) % 256);
  EXPECT_FALSE(parse_unit_text(junk, "junk").ok());
  // Latin-1 in a comment is harmless to systemd, and to us.
  EXPECT_TRUE(parse_unit_text("# Jos\xe9\n[Unit]\n", "x").ok());
}

TEST(UnitFileTest, OverlongLinesAreErrors) {
  std::string big = "[Unit]\nDescription=" + std::string(10 << 20, 'x') + "\n";
  Error e = parse_error(big);
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("line too long"), std::string::npos);
  std::string continued = "[Unit]\nDescription=";
  for (int i = 0; i < 3; ++i) continued += std::string(500 * 1024, 'y') + "\\\n";
  EXPECT_NE(parse_error(continued).message.find("continued line too long"), std::string::npos);
}

TEST(UnitFileTest, ManyContinuationsStayLinear) {
  std::string text = "[Unit]\nDescription=";
  for (int i = 0; i < 200000; ++i) text += "a\\\n";
  auto f = parse_ok(text);
  EXPECT_EQ(f.assignments().at(0).value.size(), 400000u - 1);
}

class UnitFileReadTest : public ::testing::Test {
 protected:
  test::TempDir dir_;
};

TEST_F(UnitFileReadTest, ReadsAndNamesTheDisplayPath) {
  dir_.write("/etc/systemd/system/app.service", "[Service]\nUser=x\n");
  auto r = parse_unit_file(dir_.at("/etc/systemd/system/app.service"), "/etc/systemd/system/app.service");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path, "/etc/systemd/system/app.service");
  EXPECT_EQ(r->assignments().at(0).file, "/etc/systemd/system/app.service");
}

TEST_F(UnitFileReadTest, HostileFiles) {
  dir_.mkdirs("/d/dir.service");
  ASSERT_EQ(::mkfifo(dir_.at("/d/fifo.service").c_str(), 0600), 0);
  ASSERT_EQ(::symlink("loop-b.service", dir_.at("/d/loop-a.service").c_str()), 0);
  ASSERT_EQ(::symlink("loop-a.service", dir_.at("/d/loop-b.service").c_str()), 0);
  dir_.write("/d/big.service", "[Unit]\nDescription=" + std::string(10 << 20, 'x') + "\n");
  dir_.write("/d/empty.service", "");
  dir_.write("/d/comments.service", "# a\n; b\n");
  dir_.write("/d/crlf.service", "[Unit]\r\nDescription=x\r\n");

  auto dir = parse_unit_file(dir_.at("/d/dir.service"), "/d/dir.service");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("directory"), std::string::npos);
  EXPECT_EQ(dir.error().file, "/d/dir.service");
  auto fifo = parse_unit_file(dir_.at("/d/fifo.service"));  // must not block
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message.find("FIFO"), std::string::npos);
  auto loop = parse_unit_file(dir_.at("/d/loop-a.service"));
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message.find("loop"), std::string::npos);
  auto big = parse_unit_file(dir_.at("/d/big.service"));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("bytes"), std::string::npos);
  auto missing = parse_unit_file(dir_.at("/d/missing.service"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no such file"), std::string::npos);

  auto empty = parse_unit_file(dir_.at("/d/empty.service"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->sections.empty());
  auto comments = parse_unit_file(dir_.at("/d/comments.service"));
  ASSERT_TRUE(comments.ok());
  EXPECT_TRUE(comments->sections.empty());
  auto crlf = parse_unit_file(dir_.at("/d/crlf.service"));
  ASSERT_TRUE(crlf.ok());
  EXPECT_EQ(crlf->assignments().at(0).value, "x");
}

TEST_F(UnitFileReadTest, UnreadableFile) {
  dir_.write("/d/secret.service", "[Unit]\n", 0000);
  ::chmod(dir_.path().c_str(), 0755);
  ::chmod(dir_.at("/d").c_str(), 0755);
  // Root reads any file whatever its mode: the read runs in a child that has dropped to nobody.
  EXPECT_EXIT(
      {
        if (::geteuid() == 0 &&
            (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0))
          std::_Exit(3);
        auto r = parse_unit_file(dir_.at("/d/secret.service"));
        std::_Exit(r.ok() ? 1 : (r.error().message.find("cannot open") != std::string::npos ? 0 : 2));
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace csd::systemd
