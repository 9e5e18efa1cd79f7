#include "runbook/runbook.h"

#include <gtest/gtest.h>

#include "contract/contract.h"
#include "contract/finding_codes.h"
#include "test_support/contracts.h"
#include "util/strings.h"

namespace csd::runbook {
namespace {

const std::string kContract = test::dashboard_contract();

Contract contract(const std::string& text = kContract) {
  auto c = parse_contract(text, "/src/runtime.toml");
  EXPECT_TRUE(c) << c.error().to_string();
  c->conda.prefix = "/opt/miniconda3/envs/mes-dashboard";
  return *c;
}

// What the command line accepts, as the CLI would give it.
CommandSet commands() {
  std::set<std::string> common = {"--contract", "--root", "--help", "-h", "--version", "--json"};
  CommandSet set;
  for (const char* sub : {"render", "check", "status", "restart", "scale", "verify", "health", "deploy",
                          "rollback", "runbook", "contract show"})
    set[sub] = common;
  set["restart"].insert("--reason");
  set["deploy"].insert({"--env-name", "--env", "--prefix"});
  return set;
}

std::vector<Difference> check_text(const std::string& markdown, const Contract& c) {
  auto rb = parse_markdown(markdown, "RUNBOOK.md");
  EXPECT_TRUE(rb) << rb.error().to_string();
  return check(*rb, c, commands());
}

std::string all(const std::vector<Difference>& diffs) {
  std::string out;
  for (const auto& d : diffs)
    out += std::to_string(d.line) + ": " + d.message + " [" + d.expected + " | " + d.found + "]\n";
  return out;
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  text.replace(pos, from.size(), to);
}

TEST(Runbook, HasEveryPathAssumptionOfTheContract) {
  Contract c = contract();
  std::string md = render_runbook(c);
  for (const char* want :
       {"`/opt/miniconda3`", "`/opt/miniconda3/envs/mes-dashboard`", "`3.11`",
        "`/opt/miniconda3/envs/mes-dashboard/bin/gunicorn`", "`/opt/miniconda3/envs/mes-dashboard/bin/rq`",
        "`/opt/conda-systemd/bin/conda-systemd`", "`/run/mes-dashboard/gunicorn.pid`",
        "`/run/mes-dashboard/mes_dashboard_restart.flag`",
        "`/var/lib/mes-dashboard/mes_dashboard_restart_state.json`", "`/run/mes-dashboard`",
        "`/run/mes-dashboard/watchdog.sock`", "`/etc/mes-dashboard/runtime.env`",
        "`/etc/systemd/system/mes-dashboard.service`", "`/etc/systemd/system/mes-dashboard-watchdog.service`",
        "`/etc/systemd/system/mes-dashboard-wip-worker.service`", "`/etc/conda-systemd/mes-dashboard.toml`",
        "`2026.11-1`"})
    EXPECT_NE(md.find(want), std::string::npos) << want;
}

TEST(Runbook, HasEveryProcedureWithCommandsAndWhatTheyPrint) {
  Runbook rb = build(contract());
  ASSERT_EQ(rb.procedures.size(), procedure_ids().size());
  for (std::size_t i = 0; i < rb.procedures.size(); ++i) {
    EXPECT_EQ(rb.procedures[i].id, procedure_ids()[i]);
    EXPECT_FALSE(rb.procedures[i].steps.empty()) << rb.procedures[i].id;
  }
  // The commands read the installed contract, and run the tool the units run.
  const auto& health = rb.procedures[2];
  ASSERT_EQ(health.id, "health");
  EXPECT_EQ(health.steps[0].command,
            "/opt/conda-systemd/bin/conda-systemd health --contract /etc/conda-systemd/mes-dashboard.toml");
  EXPECT_EQ(health.steps[0].prints,
            std::vector<std::string>{"healthy: http://127.0.0.1:8080/health answered 2…"});
}

TEST(Runbook, NeverAssumesAnActivatedShell) {
  std::string md = render_runbook(contract());
  for (const char* word : {"venv", "conda run", "source activate", "conda activate", "bin/activate"})
    EXPECT_EQ(md.find(word), std::string::npos) << word;
}

TEST(Runbook, SaysWhatToDoForEveryFindingCode) {
  for (const auto& code : finding_codes()) {
    EXPECT_NE(std::string(code.action), "") << code.code;
    EXPECT_EQ(finding_actions().at(code.code), code.action);
  }
  EXPECT_EQ(finding_actions().size(), finding_codes().size());
  // The runbook's findings procedure lists each, as rendered.
  std::string md = render_runbook(contract());
  for (const auto& code : finding_codes()) EXPECT_NE(md.find(code.code), std::string::npos) << code.code;
}

TEST(Runbook, ReadsBackWhatItRenders) {
  Contract c = contract();
  Runbook built = build(c);
  auto read = parse_markdown(to_markdown(built), "RUNBOOK.md");
  ASSERT_TRUE(read) << read.error().to_string();
  EXPECT_EQ(read->name, "mes-dashboard");
  EXPECT_EQ(read->version, "2026.11-1");
  ASSERT_EQ(read->paths.size(), built.paths.size());
  for (std::size_t i = 0; i < built.paths.size(); ++i) {
    EXPECT_EQ(read->paths[i].key, built.paths[i].key);
    EXPECT_EQ(read->paths[i].value, built.paths[i].value);
  }
  ASSERT_EQ(read->procedures.size(), built.procedures.size());
  for (std::size_t i = 0; i < built.procedures.size(); ++i) {
    EXPECT_EQ(read->procedures[i].title, built.procedures[i].title);
    ASSERT_EQ(read->procedures[i].steps.size(), built.procedures[i].steps.size()) << built.procedures[i].id;
    for (std::size_t j = 0; j < built.procedures[i].steps.size(); ++j) {
      EXPECT_EQ(read->procedures[i].steps[j].command, built.procedures[i].steps[j].command);
      EXPECT_EQ(read->procedures[i].steps[j].prints, built.procedures[i].steps[j].prints);
    }
  }
  EXPECT_EQ(read->findings, built.findings);
}

TEST(Runbook, CheckFindsNothingInItsOwnRunbook) {
  Contract c = contract();
  EXPECT_EQ(all(check_text(render_runbook(c), c)), "");
}

TEST(Runbook, CheckFindsAnotherVersion) {
  Contract c = contract();
  std::string md = render_runbook(c);
  c.version = "2026.12-1";
  auto diffs = check_text(md, c);
  ASSERT_FALSE(diffs.empty());
  EXPECT_EQ(diffs[0].message, "the runbook is for another contract version");
  EXPECT_EQ(diffs[0].expected, "2026.12-1");
  EXPECT_EQ(diffs[0].found, "2026.11-1");
}

TEST(Runbook, CheckFindsAPathThatIsNotTheContracts) {
  Contract c = contract();
  std::string md = render_runbook(c);
  replace(md, "| `paths.pid_file` | `/run/mes-dashboard/gunicorn.pid` |",
          "| `paths.pid_file` | `/tmp/gunicorn.pid` |");
  auto diffs = check_text(md, c);
  ASSERT_EQ(diffs.size(), 1u) << all(diffs);
  EXPECT_NE(diffs[0].message.find("`paths.pid_file` (PID file) is not the contract's"), std::string::npos);
  EXPECT_EQ(diffs[0].expected, "/run/mes-dashboard/gunicorn.pid");
  EXPECT_EQ(diffs[0].found, "/tmp/gunicorn.pid");
  EXPECT_GT(diffs[0].line, 0);
}

TEST(Runbook, CheckFindsAMissingAndAnUnknownRow) {
  Contract c = contract();
  std::string md = render_runbook(c);
  replace(md, "| state file | `paths.state_file` |", "| old state | `paths.old_state` |");
  std::string out = all(check_text(md, c));
  EXPECT_NE(out.find("the path table has no row `paths.state_file`"), std::string::npos) << out;
  EXPECT_NE(out.find("row `paths.old_state` (old state) is not part of the contract"), std::string::npos)
      << out;
}

TEST(Runbook, CheckFindsARemovedProcedure) {
  Contract c = contract();
  std::string md = render_runbook(c);
  auto from = md.find("<!-- procedure: rollback -->");
  auto to = md.find("<!-- procedure: switch -->");
  md.erase(from, to - from);
  auto diffs = check_text(md, c);
  ASSERT_EQ(diffs.size(), 1u) << all(diffs);
  EXPECT_EQ(diffs[0].message, "procedure `rollback` (Rollback) is missing");
}

TEST(Runbook, CheckFindsACommandThatNoLongerExists) {
  Contract c = contract();
  std::string md = render_runbook(c);
  replace(md, "conda-systemd health --contract", "conda-systemd healthcheck --contract");
  replace(md, "--reason \"runbook: reload workers\"", "--wait");
  replace(md, "systemctl restart mes-dashboard.service", "systemctl restart mes-dashboard-old.service");
  std::string out = all(check_text(md, c));
  EXPECT_NE(out.find("names `conda-systemd healthcheck`, which no longer exists"), std::string::npos) << out;
  EXPECT_NE(out.find("names option `--wait` of `conda-systemd restart`, which no longer exists"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("names unit mes-dashboard-old.service, which is not a unit of contract mes-dashboard"),
            std::string::npos)
      << out;
}

TEST(Runbook, CheckFindsAnActivatedShellAnywhere) {
  Contract c = contract();
  std::string md =
      render_runbook(c) + "\nOr run it by hand: `source activate mes-dashboard && gunicorn ...`\n";
  auto diffs = check_text(md, c);
  ASSERT_EQ(diffs.size(), 1u) << all(diffs);
  EXPECT_NE(diffs[0].message.find("`source activate`"), std::string::npos);
}

TEST(Runbook, CheckFindsAnotherContractAndAnotherTool) {
  Contract c = contract();
  std::string md = render_runbook(c);
  replace(md, "health --contract /etc/conda-systemd/mes-dashboard.toml",
          "health --contract /opt/old/runtime.toml");
  replace(md, "/opt/conda-systemd/bin/conda-systemd verify", "/usr/bin/conda-systemd verify");
  std::string out = all(check_text(md, c));
  EXPECT_NE(out.find("reads another contract than the installed one [/etc/conda-systemd/mes-dashboard.toml | "
                     "/opt/old/runtime.toml]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("runs conda-systemd from another place"), std::string::npos) << out;
}

TEST(Runbook, RefusesWhatIsNotARunbook) {
  EXPECT_FALSE(parse_markdown("just some text\n", "x.md"));
  EXPECT_FALSE(parse_markdown("# t\n```sh\nnever closed\n", "x.md"));
}

TEST(Runbook, ShellWordsSplitAsAShellDoes) {
  EXPECT_EQ(shell_words("a 'b c' \"d \\\"e\\\"\" f\\ g # comment"),
            (std::vector<std::string>{"a", "b c", "d \"e\"", "f g"}));
  EXPECT_EQ(shell_words("x&&y | z;w"), (std::vector<std::string>{"x", "&&", "y", "|", "z", ";", "w"}));
  EXPECT_EQ(shell_words("--env \"$NEW_ENV\""), (std::vector<std::string>{"--env", "$NEW_ENV"}));
}

TEST(Runbook, OutputMatchesInOrderWithWildcards) {
  std::string out =
      "request 1a2b: executed (ok): reload confirmed in 812 ms; workers [1] -> [2]\nother\nlast\n";
  EXPECT_TRUE(output_matches({"request …: executed (…): reload confirmed in … ms; workers … -> …"}, out));
  EXPECT_TRUE(output_matches({"request …", "last"}, out));
  EXPECT_FALSE(output_matches({"last", "request …"}, out));
  EXPECT_FALSE(output_matches({"request …: blocked …"}, out));
  EXPECT_TRUE(output_matches({}, ""));
  EXPECT_FALSE(output_matches({"x"}, ""));
}

}  // namespace
}  // namespace csd::runbook
