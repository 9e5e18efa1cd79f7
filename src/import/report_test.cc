#include "import/report.h"

#include <gtest/gtest.h>

namespace csd::importer {
namespace {

TEST(ImportReportTest, NamesFindingsChoicesChangesAndProblems) {
  Imported im;
  im.contract.name = "svc";
  im.units.push_back({{.name = "svc.service", .role = Role::kApp, .why = "the app"}, true});
  im.units.push_back({{.name = "svc-x.timer", .why = "a timer"}, false});
  im.findings.add(
      {.code = "CSD104", .file = "/etc/systemd/system/svc.service", .line = 3, .message = "pid differs"});
  im.choices.push_back({"paths.pid_file", {{"/a", "--pid"}, {"/b", "PIDFile="}}, "/a", "gunicorn writes it"});
  im.changes.push_back("wrapper removed");
  im.problems.push_back(make_error("bad"));
  std::string text = format_report(im, false);
  for (const char* s :
       {"svc.service", "(not imported)", "[CSD104] pid differs", "* /a  (--pid)", "- /b  (PIDFile=)",
        "why: gunicorn writes it", "- wrapper removed", "Problems", "bad"})
    EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
  auto j = report_json(im);
  EXPECT_EQ(j["findings"]["findings"][0]["code"], "CSD104");
  EXPECT_EQ(j["choices"][0]["chosen"], "/a");
  EXPECT_EQ(j["units"][1]["imported"], false);
}

}  // namespace
}  // namespace csd::importer
