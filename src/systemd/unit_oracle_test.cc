// Checks this module against the real systemd 252 where the machine has it: `systemd --test` loads
// a unit tree and dumps what it understood, which we compare with what we read from the same tree.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "systemd/exec_line.h"
#include "systemd/unit_loader.h"
#include "systemd/unit_writer.h"
#include "test_support/temp_dir.h"

namespace csd::systemd {
namespace {

std::string systemd_binary() {
  for (const char* p : {"/usr/lib/systemd/systemd", "/lib/systemd/systemd"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

// The dump of `unit` by systemd --test over `dirs`, one line per entry; empty when it cannot run.
std::vector<std::string> systemd_dump(const std::vector<std::string>& dirs, const std::string& unit) {
  std::string bin = systemd_binary();
  if (bin.empty()) return {};
  std::string path;
  for (const auto& d : dirs) path += d + ":";
  // systemd refuses test mode as root; "nobody" must then be able to read the tree.
  std::string as_user = ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  std::string cmd = "SYSTEMD_UNIT_PATH='" + path + "' " + as_user + bin + " --test --system --unit='" + unit +
                    "' --log-target=console --log-level=emerg 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {};
  std::vector<std::string> out;
  std::array<char, 65536> buf{};
  bool in_unit = false;
  while (std::fgets(buf.data(), buf.size(), p)) {
    std::string line = buf.data();
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (line.rfind("\t-> Unit ", 0) == 0)
      in_unit = line == "\t-> Unit " + unit + ":";
    else if (in_unit)
      out.push_back(line.substr(line.find_first_not_of('\t')));
  }
  ::pclose(p);
  return out;
}

std::vector<std::string> field(const std::vector<std::string>& dump, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& l : dump)
    if (l.rfind(name + ": ", 0) == 0) out.push_back(l.substr(name.size() + 2));
  return out;
}

// Undoes systemd's quoting of a "Command Line:" for the dump: bare words, or "..." with C escapes.
std::vector<std::string> decode_command_line(const std::string& s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    std::string w;
    if (s[i] != '"') {
      while (i < s.size() && s[i] != ' ') w += s[i++];
    } else {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] != '\\') {
          w += s[i];
          continue;
        }
        char c = s[++i];
        if (c >= '0' && c <= '7') {
          w += static_cast<char>(std::stoi(s.substr(i, 3), nullptr, 8));
          i += 2;
        } else if (c == 'x') {
          w += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          w += c == 'n'   ? '\n'
               : c == 't' ? '\t'
               : c == 'r' ? '\r'
               : c == 'a' ? '\a'
               : c == 'b' ? '\b'
               : c == 'f' ? '\f'
               : c == 'v' ? '\v'
                          : c;
        }
      }
      ++i;
    }
    words.push_back(w);
  }
  return words;
}

class UnitOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (systemd_binary().empty()) GTEST_FAIL() << "no systemd binary here";
    if (::geteuid() == 0 && ::access("/usr/bin/setpriv", X_OK) != 0) GTEST_FAIL() << "no setpriv";
    ::chmod(dir_.path().c_str(), 0755);
  }
  void write(const std::string& rel, const std::string& text) {
    dir_.write(rel, text);
    for (auto p = std::filesystem::path(dir_.at(rel)).parent_path(); p.string().size() > dir_.path().size();
         p = p.parent_path())
      ::chmod(p.c_str(), 0755);
  }
  std::vector<std::string> dirs() const {
    std::vector<std::string> out;
    for (const auto& d : default_unit_dirs()) out.push_back(dir_.at(d));
    return out;
  }
  test::TempDir dir_;
};

TEST_F(UnitOracleTest, ExecArgumentsWeWriteAreWhatSystemdRuns) {
  ExecCommand c;
  c.path = "/opt/envs/app/bin/gunicorn";
  c.argv = {c.path,        "plain",  "",    "two words", "100%",  "%n",         "$MAINPID",
            "${X}",        ";",      "\\;", "a;b",       "-x",    "it's \"q\"", "tab\tnl\n",
            "caf\xC3\xA9", "back\\", "#",   "'",         "a\\nb", "$$",         "app:create_app()"};
  UnitWriter w;
  w.section("Service").set_exec("ExecStart", c).set_exec("ExecStartPre", c);
  auto text = w.render();
  ASSERT_TRUE(text.ok());
  write("/etc/systemd/system/oracle.service", *text);
  auto dump = systemd_dump(dirs(), "oracle.service");
  if (dump.empty()) GTEST_FAIL() << "systemd --test did not run here";
  auto lines = field(dump, "Command Line");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(decode_command_line(lines.back()), c.argv);

  auto ours = load_unit(Root(dir_.path()), "oracle.service");
  ASSERT_TRUE(ours.ok());
  auto parsed = parse_exec_line(ours->values("Service", "ExecStart").at(0).value, ours->specifiers());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at(0).argv, c.argv);
}

TEST_F(UnitOracleTest, HandWrittenQuotingReadsTheSame) {
  const std::string line =
      R"(/bin/echo "a\x41\101\u00e9\q\s" 'single\n' mid"dle quo"ted \; ";" \\; x\\;y a;b %n %i 100%% $X ${Y} end\)";
  write("/etc/systemd/system/hand@inst.service", "[Service]\nExecStart=" + line + "\n");
  auto dump = systemd_dump(dirs(), "hand@inst.service");
  if (dump.empty()) GTEST_FAIL() << "systemd --test did not run here";
  auto lines = field(dump, "Command Line");
  ASSERT_FALSE(lines.empty());
  auto ours = load_unit(Root(dir_.path()), "hand@inst.service");
  ASSERT_TRUE(ours.ok());
  auto parsed = parse_exec_line(ours->values("Service", "ExecStart").at(0).value, ours->specifiers());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->at(0).argv, decode_command_line(lines.back()));
}

TEST_F(UnitOracleTest, DropInsAndMasks) {
  write("/usr/lib/systemd/system/my-app@.service", "[Service]\nExecStart=/bin/true\n");
  write("/usr/lib/systemd/system/my-app@.service.d/50-z.conf", "[Service]\nEnvironment=Z=1\n");
  write("/etc/systemd/system/my-app@.service.d/50-z.conf", "[Service]\nEnvironment=Z=2\n");
  write("/run/systemd/system/my-app@x.service.d/10-r.conf", "[Service]\nEnvironment=R=1\n");
  write("/usr/lib/systemd/system/my-.service.d/05-dash.conf", "[Service]\nEnvironment=D=1\n");
  write("/usr/lib/systemd/system/service.d/99-top.conf", "[Service]\nEnvironment=T=1\n");
  write("/etc/systemd/system/my-app@x.service.d/.hidden.conf", "[Service]\nEnvironment=H=1\n");
  write("/etc/systemd/system/masked.service", "");
  write("/usr/lib/systemd/system/masked.service", "[Service]\nExecStart=/bin/true\n");

  auto dump = systemd_dump(dirs(), "my-app@x.service");
  if (dump.empty()) GTEST_FAIL() << "systemd --test did not run here";
  auto ours = load_unit(Root(dir_.path()), "my-app@x.service");
  ASSERT_TRUE(ours.ok()) << ours.error().to_string();
  std::vector<std::string> our_dropins;
  for (const auto& f : ours->files())
    if (f.drop_in) our_dropins.push_back(dir_.at(f.path));
  EXPECT_EQ(field(dump, "DropIn Path"), our_dropins);
  EXPECT_EQ(field(dump, "Fragment Path"), std::vector<std::string>{dir_.at(ours->fragment_path())});
  std::vector<std::string> our_env;
  for (const auto& a : ours->values("Service", "Environment")) our_env.push_back(a.value);
  EXPECT_EQ(field(dump, "Environment"), our_env);

  auto masked = systemd_dump(dirs(), "masked.service");
  EXPECT_EQ(field(masked, "Unit Load State"), std::vector<std::string>{"masked"});
  auto our_masked = load_unit(Root(dir_.path()), "masked.service");
  ASSERT_TRUE(our_masked.ok());
  EXPECT_TRUE(our_masked->masked());
}

}  // namespace
}  // namespace csd::systemd
