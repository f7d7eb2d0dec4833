package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultJsonTest {
  static PurgeResult withTables(int n) {
    List<PurgeResult.TableCount> tables = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tables.add(new PurgeResult.TableCount("public.table_with_a_long_descriptive_name_" + i, i == 0 ? "root" : "dependent", 1000 + i, 0));
    }
    long total = tables.stream().mapToLong(PurgeResult.TableCount::before).sum();
    return new PurgeResult("app", "delete", false, true, tables, new PurgeResult.Totals(total, 0), 12L, null, "run-1", null);
  }

  @Test
  void smallResultIsWrittenWholeWithTheContractFieldNames() {
    String json = ResultJson.write(withTables(3));
    assertThat(json).contains("\"database\":\"app\"", "\"strategy\":\"delete\"", "\"dryRun\":false",
        "\"committed\":true", "\"tables\":[{\"table\":\"public.table_with_a_long_descriptive_name_0\",\"role\":\"root\",\"before\":1000,\"after\":0}",
        "\"totals\":{\"before\":3003,\"after\":0}", "\"durationMs\":12", "\"runId\":\"run-1\"");
    assertThat(json).doesNotContain("tablesOmitted").doesNotContain("error");
  }

  @Test
  void resultWithTooManyTablesIsCappedAt4KiBAndSaysHowManyWereLeftOut() {
    PurgeResult big = withTables(200);
    String json = ResultJson.write(big);

    assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
    PurgeResult parsed = ResultJson.read(json);
    assertThat(parsed.tablesOmitted()).isPositive();
    assertThat(parsed.tables().size() + parsed.tablesOmitted()).isEqualTo(200);
    assertThat(parsed.tables().get(0).role()).isEqualTo("root");
    assertThat(parsed.totals()).isEqualTo(big.totals());
  }

  @Test
  void failureCarriesReasonAndMessageAndAHugeMessageIsShortened() {
    PurgeResult failure = PurgeResult.failure(FailureReason.LockTimeout, "x".repeat(10_000)).withRunId("r");
    String json = ResultJson.write(failure);
    assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
    assertThat(ResultJson.read(json).error().reason()).isEqualTo("LockTimeout");
    assertThat(ResultJson.read(json).runId()).isEqualTo("r");
    assertThat(ResultJson.read(json).committed()).isFalse();
    assertThat(ResultJson.read(json).error().failureReason()).isEqualTo(FailureReason.LockTimeout);
  }

  @Test
  void everyReasonReadsBackAsItselfAndAnUnknownNameAsFailed() {
    for (FailureReason reason : FailureReason.values()) {
      String json = ResultJson.write(PurgeResult.failure(reason, "why"));
      assertThat(json).contains("\"reason\":\"" + reason.name() + "\"");
      assertThat(ResultJson.read(json).error().failureReason()).isEqualTo(reason);
    }
    String fromANewerImage = "{\"committed\":false,\"error\":{\"reason\":\"DiskFull\",\"message\":\"m\"}}";
    assertThat(ResultJson.read(fromANewerImage).error().failureReason()).isEqualTo(FailureReason.Failed);
    assertThat(ResultJson.read(fromANewerImage).error().reason()).isEqualTo("DiskFull");
    assertThat(FailureReason.named(null)).isEqualTo(FailureReason.Failed);
  }
}
