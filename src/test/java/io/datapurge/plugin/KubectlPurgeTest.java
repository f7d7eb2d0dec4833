package io.datapurge.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The plugin's decisions and views on objects as kubectl returns them: no cluster, no kubectl. */
class KubectlPurgeTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode purge(long generation, String statusJson) throws Exception {
    return JSON.readTree("""
        {"apiVersion":"datapurge.io/v1alpha1","kind":"UserDataPurge",
         "metadata":{"name":"reset","namespace":"staging","generation":%d,"creationTimestamp":"2026-11-26T05:00:00Z"},
         "spec":{"database":{"name":"pyfactor"},"tables":["auth_user"]},
         "status":%s}""".formatted(generation, statusJson));
  }

  static final String AWAITING = """
      {"phase":"AwaitingConfirmation","observedGeneration":1,"database":"pyfactor","dryRun":true,
       "message":"Plan for pyfactor: 1240 rows in 2 tables would be deleted.",
       "plan":{"id":"3f9a1c2b7d4e","generation":1},"jobName":"reset-plan-0123456789",
       "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":1200},
                 {"table":"public.django_admin_log","role":"dependent","before":40,"after":40}],
       "totals":{"before":1240,"after":1240}}""";

  // --- arguments as kubectl spells them

  @Test
  void namespaceAndGlobalOptionsInEveryKubectlSpellingAreHandedToKubectl() throws Exception {
    for (List<String> args : List.of(List.of("-n", "staging"), List.of("-nstaging"), List.of("-n=staging"),
        List.of("--namespace", "staging"), List.of("--namespace=staging"))) {
      PluginArgs a = PluginArgs.parse(args, Set.of(), Set.of());
      assertThat(a.namespace).as(args.toString()).isEqualTo("staging");
      assertThat(a.global).as(args.toString()).containsExactly("--namespace=staging");
    }
    PluginArgs a = PluginArgs.parse(List.of("reset", "--context", "prod", "--kubeconfig=/k", "-w", "--as", "me"),
        Set.of(), Set.of("watch"));
    assertThat(a.positional).containsExactly("reset");
    assertThat(a.global).containsExactly("--context=prod", "--kubeconfig=/k", "--as=me");
    assertThat(a.flag("watch")).isTrue();
    assertThat(PluginArgs.parse(List.of("--watch=false"), Set.of(), Set.of("watch")).flag("watch")).isFalse();
  }

  @Test
  void globalOptionsMayComeBeforeTheCommand() {
    assertThat(PluginArgs.commandIndex(List.of("-n", "staging", "status", "reset"), Set.of())).isEqualTo(2);
    assertThat(PluginArgs.commandIndex(List.of("--context=prod", "--kubeconfig", "/k", "approve"), Set.of()))
        .isEqualTo(3);
    assertThat(PluginArgs.commandIndex(List.of("-nstaging", "logs"), Set.of())).isEqualTo(1);
    assertThat(PluginArgs.commandIndex(List.of("--help"), Set.of())).isEqualTo(-1);
    Output o = run("-n", "staging", "status", "--help");
    assertThat(o.code).isZero();
    assertThat(o.out).contains("Usage:\n  kubectl purge status");
  }

  @Test
  void unknownOrIncompleteFlagsAreUsageErrorsNamingTheFlag() {
    assertThatThrownBy(() -> PluginArgs.parse(List.of("--bogus"), Set.of(), Set.of()))
        .hasMessage("unknown flag: --bogus");
    assertThatThrownBy(() -> PluginArgs.parse(List.of("--confirm"), Set.of("confirm"), Set.of()))
        .hasMessage("flag needs an argument: --confirm");
    assertThatThrownBy(() -> PluginArgs.parse(List.of("-x"), Set.of(), Set.of()))
        .hasMessageContaining("unknown shorthand flag: 'x'");
  }

  @Test
  void unknownCommandAndMissingNameSayWhatToRun() {
    Output o = run("frobnicate");
    assertThat(o.code).isEqualTo(1);
    assertThat(o.err).contains("unknown command \"frobnicate\"", "kubectl purge --help");
    o = run("approve");
    assertThat(o.code).isEqualTo(1);
    assertThat(o.err).contains("NAME is required", "See 'kubectl purge approve --help' for usage.");
    o = run("run", "--from", "cronjob/x");
    assertThat(o.err).contains("--from schedule/NAME is required");
  }

  @Test
  void helpOfThePluginAndOfEachCommandFollowsKubectlsLayout() {
    Output root = run("--help");
    assertThat(root.code).isZero();
    assertThat(root.out).containsSubsequence("Available Commands:", "Examples:", "Usage:\n  kubectl purge <command>",
        "Use \"kubectl purge <command> --help\"", "Global options");
    for (String command : KubectlPurge.VALUED.keySet()) {
      Output help = run(command, "-h");
      assertThat(help.code).isZero();
      assertThat(help.out).as(command).containsSubsequence("Examples:", "  kubectl purge " + command, "Usage:\n  kubectl purge "
          + command);
    }
    assertThat(run().code).as("no command: help on stderr, exit 1").isEqualTo(1);
  }

  // --- approval

  @Test
  void currentPlanOfTheCurrentGenerationCanBeApprovedWithTheDatabaseItCounted() throws Exception {
    JsonNode r = purge(1, AWAITING);
    assertThat(ApprovalCheck.refusal(r)).isEmpty();
    assertThat(ApprovalCheck.database(r)).isEqualTo("pyfactor");
    assertThat(ApprovalCheck.mismatch(r, "pyfactor\n")).isEmpty();
    assertThat(ApprovalCheck.mismatch(r, "yes")).hasValue("'yes' is not the database name (pyfactor); nothing was approved.");
    assertThat(ApprovalCheck.mismatch(r, null)).isPresent();
  }

  @Test
  void noPlanAStalePlanOrAnotherPhaseIsRefusedWithWhatToDo() throws Exception {
    assertThat(ApprovalCheck.refusal(purge(1, "{\"phase\":\"Planning\",\"observedGeneration\":1}")))
        .hasValueSatisfying(m -> assertThat(m).contains("has no plan yet (phase Planning)", "status reset -w"));
    assertThat(ApprovalCheck.refusal(purge(2, AWAITING)))
        .hasValueSatisfying(m -> assertThat(m).contains("(3f9a1c2b7d4e) is stale", "generation 1", "generation 2"));
    assertThat(ApprovalCheck.refusal(purge(2, "{\"phase\":\"Succeeded\",\"observedGeneration\":1}")))
        .hasValueSatisfying(m -> assertThat(m).contains("not planned it yet"));
    assertThat(ApprovalCheck.refusal(purge(1, AWAITING.replace("\"plan\":{\"id\":\"3f9a1c2b7d4e\",\"generation\":1},",
        "")))).hasValueSatisfying(m -> assertThat(m).contains("no plan to approve", "approvals"));
    assertThat(ApprovalCheck.refusal(purge(1, AWAITING.replace("AwaitingConfirmation", "Succeeded"))))
        .hasValueSatisfying(m -> assertThat(m).contains("already run"));
    JsonNode dryRun = purge(1, AWAITING);
    ((com.fasterxml.jackson.databind.node.ObjectNode) dryRun.path("spec")).put("dryRun", true);
    assertThat(ApprovalCheck.refusal(dryRun)).hasValueSatisfying(m -> assertThat(m).contains("dryRun"));
  }

  // --- views

  @Test
  void statusOfAPlanShowsThePlanIdAndTheRowsEachTableWouldLose() throws Exception {
    String text = PurgeView.describe(purge(1, AWAITING));
    assertThat(text).contains("Name:        reset", "Database:    pyfactor", "Phase:       AwaitingConfirmation",
        "Plan:        3f9a1c2b7d4e (generation 1)", "Plan (nothing deleted yet):");
    assertThat(text).containsPattern("public\\.auth_user\\s+root\\s+1200\\n")
        .containsPattern("TOTAL\\s+1240\\n").doesNotContain("DELETED");
  }

  @Test
  void statusOfAPurgeShowsBeforeAfterAndDeletedWhenTheStatusHasIt() throws Exception {
    String result = """
        {"phase":"Succeeded","observedGeneration":1,"database":"pyfactor","dryRun":false,
         "plan":{"id":"3f9a1c2b7d4e","generation":1},"approval":{"planId":"3f9a1c2b7d4e","approvedAt":"2026-11-26T05:01:00Z"},
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":0%s}],
         "totals":{"before":1200,"after":0%s}}""";
    String without = PurgeView.describe(purge(1, result.formatted("", "")));
    assertThat(without).contains("Approved:    plan 3f9a1c2b7d4e at 2026-11-26T05:01:00Z")
        .containsPattern("TABLE\\s+ROLE\\s+BEFORE\\s+AFTER\\n").containsPattern("public\\.auth_user\\s+root\\s+1200\\s+0\\n");
    String with = PurgeView.describe(purge(1, result.formatted(",\"deleted\":1200", ",\"deleted\":1200")));
    assertThat(with).containsPattern("TABLE\\s+ROLE\\s+BEFORE\\s+DELETED\\s+AFTER\\n")
        .containsPattern("public\\.auth_user\\s+root\\s+1200\\s+1200\\s+0\\n");
  }

  @Test
  void watchEndsAtAFinalPhaseOfTheCurrentGenerationButNotOnAnApprovedPlanAboutToRun() throws Exception {
    assertThat(PurgeView.settled(purge(1, AWAITING))).isTrue();
    assertThat(PurgeView.settled(purge(2, AWAITING))).as("the spec changed: a new plan comes").isFalse();
    assertThat(PurgeView.settled(purge(1, "{\"phase\":\"Running\",\"observedGeneration\":1}"))).isFalse();
    JsonNode approved = purge(1, AWAITING);
    ((com.fasterxml.jackson.databind.node.ObjectNode) approved.path("metadata")).putObject("annotations")
        .put("datapurge.io/approve", "3f9a1c2b7d4e");
    assertThat(PurgeView.settled(approved)).isFalse();
    assertThat(PurgeView.describe(approved)).contains("approved; the purge is about to start");
  }

  @Test
  void historyListsNewestFirstWithReasons() throws Exception {
    JsonNode items = JSON.readTree("""
        [{"metadata":{"name":"nightly-1","creationTimestamp":"2026-11-25T02:00:00Z"},"spec":{"database":{"name":"db"}},
          "status":{"phase":"Failed","reason":"LockTimeout"}},
         {"metadata":{"name":"nightly-2","creationTimestamp":"2026-11-26T02:00:00Z"},"spec":{"database":{"name":"db"}},
          "status":{"phase":"Succeeded","totals":{"before":5,"after":0}}}]""");
    List<String> lines = PurgeView.history(items, Instant.parse("2026-11-26T05:00:00Z")).lines().toList();
    assertThat(lines.get(0)).startsWith("NAME").contains("PHASE", "ROWS BEFORE", "AGE");
    assertThat(lines.get(1)).startsWith("nightly-2").contains("Succeeded", "5", "3h");
    assertThat(lines.get(2)).startsWith("nightly-1").contains("Failed (LockTimeout)", "27h");
  }

  @Test
  void manualRunFromAScheduleCopiesItsTemplateAndIsLabelledAndOwnedLikeItsRuns() throws Exception {
    JsonNode schedule = JSON.readTree("""
        {"apiVersion":"datapurge.io/v1alpha1","kind":"UserDataPurgeSchedule",
         "metadata":{"name":"nightly","namespace":"staging","uid":"u-1"},
         "spec":{"schedule":"0 2 * * *","template":{"spec":{"database":{"name":"pyfactor"},"tables":["auth_user"]}}}}""");
    JsonNode run = KubectlPurge.manual(schedule, "nightly-manual-1");
    assertThat(run.path("kind").asText()).isEqualTo("UserDataPurge");
    assertThat(run.path("metadata").path("labels").path("datapurge.io/schedule").asText()).isEqualTo("nightly");
    assertThat(run.path("metadata").path("ownerReferences").get(0).path("uid").asText()).isEqualTo("u-1");
    assertThat(run.path("spec")).isEqualTo(schedule.path("spec").path("template").path("spec"));
  }

  @Test
  void missingScheduleKindIsToldAsSuch() {
    // What kubectl 1.34 prints for a resource type the cluster does not serve.
    var failure = new Kubectl.Failure("Error: the server doesn't have a resource type \"userdatapurgeschedules\"");
    assertThat(KubectlPurge.scheduleError(failure).getMessage())
        .contains("no UserDataPurgeSchedule kind", "kubectl purge history");
  }

  record Output(int code, String out, String err) {}

  static Output run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new KubectlPurge(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
    return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
