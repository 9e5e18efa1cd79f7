#include "util/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "test_support/temp_dir.h"

namespace csd {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A private null device, never the host's /dev/null: the test must not be able to break the host.
std::string make_null_device(const test::TempDir& dir) {
  std::string dev = dir.at("/null");
  if (::mknod(dev.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) return {};
  return dev;
}

TEST(WriteOutputFile, WritesIntoACharacterDeviceWithoutReplacingIt) {
  test::TempDir dir;
  std::string dev = make_null_device(dir);
  ASSERT_FALSE(dev.empty()) << "mknod needs root (CI runs as root)";
  ASSERT_TRUE(write_output_file(dev, "contract text\n").ok());
  struct stat st {};
  ASSERT_EQ(::lstat(dev.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device node was replaced by a regular file";
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 3u);
}

TEST(WriteOutputFile, WritesIntoAFifoForItsReader) {
  test::TempDir dir;
  std::string fifo = dir.at("/fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  Status st = write_output_file(fifo, "through the pipe\n");
  reader.join();
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(got, "through the pipe\n");
  struct stat s {};
  ASSERT_EQ(::lstat(fifo.c_str(), &s), 0);
  EXPECT_TRUE(S_ISFIFO(s.st_mode));
}

TEST(WriteOutputFile, FollowsALinkAndKeepsIt) {
  test::TempDir dir;
  dir.write("/real.toml", "old\n");
  std::string link = dir.at("/link.toml");
  ASSERT_EQ(::symlink(dir.at("/real.toml").c_str(), link.c_str()), 0);
  ASSERT_TRUE(write_output_file(link, "new\n").ok());
  struct stat st {};
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link was replaced";
  EXPECT_EQ(slurp(dir.at("/real.toml")), "new\n");
}

TEST(WriteOutputFile, RefusesADanglingLinkADirectoryAndASocketPath) {
  test::TempDir dir;
  std::string link = dir.at("/dangling");
  ASSERT_EQ(::symlink(dir.at("/nowhere").c_str(), link.c_str()), 0);
  Status st = write_output_file(link, "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("missing"), std::string::npos) << st.error().message;
  EXPECT_FALSE(path_exists(dir.at("/nowhere")));

  dir.mkdirs("/a-directory");
  st = write_output_file(dir.at("/a-directory"), "x");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("a directory"), std::string::npos) << st.error().message;
  EXPECT_TRUE(is_directory(dir.at("/a-directory")));
}

TEST(WriteOutputFile, ANewOrRegularFileIsWrittenWhole) {
  test::TempDir dir;
  ASSERT_TRUE(write_output_file(dir.at("/new.toml"), "one\n", 0600).ok());
  EXPECT_EQ(slurp(dir.at("/new.toml")), "one\n");
  struct stat st {};
  ASSERT_EQ(::stat(dir.at("/new.toml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(write_output_file(dir.at("/new.toml"), "two\n").ok());
  EXPECT_EQ(slurp(dir.at("/new.toml")), "two\n");
}

}  // namespace
}  // namespace csd

namespace csd {
namespace {

// Callers act on the kind (a flag that grew is oversized, a missing rc file is absent), never on the
// message: each way read_file fails carries its own.
TEST(ReadFileKind, EachFailureSaysWhatKindItIs) {
  test::TempDir dir;
  dir.write("/big", std::string(100, 'x'));
  dir.write("/target", "x");
  ASSERT_EQ(::symlink(dir.at("/target").c_str(), dir.at("/link").c_str()), 0);
  ASSERT_EQ(::mkfifo(dir.at("/fifo").c_str(), 0600), 0);
  dir.mkdirs("/dir");

  EXPECT_TRUE(read_file(dir.at("/missing")).error().is(ErrorKind::kNotFound));
  EXPECT_TRUE(read_file(dir.at("/big"), ReadOptions{.max_bytes = 10}).error().is(ErrorKind::kTooLarge));
  EXPECT_TRUE(
      read_file(dir.at("/link"), ReadOptions{.follow_symlinks = false}).error().is(ErrorKind::kMalformed));
  EXPECT_TRUE(read_file(dir.at("/fifo")).error().is(ErrorKind::kMalformed));
  EXPECT_TRUE(read_file(dir.at("/dir")).error().is(ErrorKind::kMalformed));
  EXPECT_TRUE(read_file(dir.at("/target")).ok());
}

TEST(ReadFileKind, AnErrnoGivesTheKindItStandsFor) {
  EXPECT_EQ(kind_of_errno(ENOENT), ErrorKind::kNotFound);
  EXPECT_EQ(kind_of_errno(EACCES), ErrorKind::kPermission);
  EXPECT_EQ(kind_of_errno(EIO), ErrorKind::kIo);
  EXPECT_EQ(kind_of_errno(ENOSPC), ErrorKind::kIo);
  EXPECT_EQ(kind_of_errno(EADDRINUSE), ErrorKind::kConflict);
}

}  // namespace
}  // namespace csd
