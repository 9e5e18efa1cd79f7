#include "import/contract_writer.h"

#include <gtest/gtest.h>

namespace csd::importer {
namespace {

Imported minimal() {
  Imported im;
  Contract& c = im.contract;
  c.name = "svc";
  c.version = "1";
  c.conda.root = "/opt/c";
  c.conda.env = "e";
  c.service.user = "u";
  c.service.workdir = "/srv";
  c.service.command = {"python", "-c", "print(\"a\\b\")\n"};
  c.paths.runtime_dir = "/run/svc";
  c.paths.pid_file = "/run/svc/gunicorn.pid";
  for (const char* k : {"contract.version", "conda.root", "conda.env", "service.user", "service.workdir",
                        "service.command", "paths.runtime_dir", "paths.pid_file"})
    im.origin[k] = std::string("the test\nwith a second line for ") + k;
  return im;
}

TEST(ImportContractWriterTest, EveryValueSaysWhereItCameFromAndParsesBack) {
  Imported im = minimal();
  std::string text = write_contract(im, "conda-systemd import --name svc");
  EXPECT_NE(text.find("# from the test\n# with a second line for service.user\nuser = \"u\"\n"),
            std::string::npos)
      << text;
  auto c = parse_contract(text, "x.toml");
  ASSERT_TRUE(c.ok()) << c.error().to_string() << text;
  EXPECT_EQ(c->service.command, im.contract.service.command);
  EXPECT_TRUE(validate_written(text, "x.toml").ok());
}

TEST(ImportContractWriterTest, ProblemsAreListedOnTop) {
  Imported im = minimal();
  im.problems.push_back(make_error("something"));
  std::string text = write_contract(im, "x");
  EXPECT_NE(text.find("# PROBLEM: "), std::string::npos);
  EXPECT_LT(text.find("PROBLEM"), text.find("[contract]"));
}

TEST(ImportContractWriterTest, ValidationCatchesWhatRenderRefuses) {
  Imported im = minimal();
  im.contract.service.command = {"gunicorn", "--pid", "/elsewhere.pid", "app:app"};
  auto st = validate_written(write_contract(im, "x"), "x.toml");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("--pid"), std::string::npos);
  EXPECT_EQ(toml_string("a\"b\\c\x01"), "\"a\\\"b\\\\c\\u0001\"");
}

}  // namespace
}  // namespace csd::importer
