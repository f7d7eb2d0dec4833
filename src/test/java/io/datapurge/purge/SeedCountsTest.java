package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.purge.PurgeResult.TableCount;
import io.datapurge.purge.Seeding.OwnedSequence;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decisions around a seed: what a table must hold at commit, where sequences restart, what is reported. */
class SeedCountsTest {

  @Test
  void aPurgedTableMustHoldExactlyTheSeededRowsAtCommit() {
    assertThat(PurgeExecutor.expectedAfter(new TableCount("public.auth_user", "root", 200, 3, 200L, "delete", 3L))).isEqualTo(3);
    assertThat(PurgeExecutor.expectedAfter(new TableCount("public.auth_user", "root", 200, 0, 200L, "delete", 0L))).isZero();
    assertThat(PurgeExecutor.expectedAfter(new TableCount("public.auth_user", "root", 200, 0))).as("no seed").isZero();
  }

  @Test
  void withAPredicateTheKeptRowsStayAndTheSeededOnesAreAdded() {
    assertThat(PurgeExecutor.expectedAfter(new TableCount("public.auth_user", "root", 200, 13, 190L, "delete", 3L)))
        .as("200 before - 190 deleted + 3 seeded").isEqualTo(13);
    assertThat(PurgeExecutor.expectedAfter(new TableCount("public.auth_user", "root", 200, 10, 190L, "delete")))
        .as("no seed").isEqualTo(10);
  }

  @Test
  void sequencesRestartAtTheirStartWhenTheColumnIsEmptyElsePastTheLargestKeptValue() {
    OwnedSequence up = new OwnedSequence("public.s", "public.t", "id", 1, 1);
    assertThat(Seeding.restartValue(up, null)).isEqualTo("1");
    assertThat(Seeding.restartValue(up, 41L)).isEqualTo("42");
    OwnedSequence from100 = new OwnedSequence("public.s", "public.t", "id", 100, 1);
    assertThat(Seeding.restartValue(from100, 7L)).as("never before the start").isEqualTo("100");
    OwnedSequence down = new OwnedSequence("public.s", "public.t", "id", -1, -1);
    assertThat(Seeding.restartValue(down, -10L)).isEqualTo("-11");
  }

  @Test
  void theReportShowsASeededColumnAndTheSeedFilesOnlyWithASeed() {
    PurgeResult seeded = new PurgeResult("app", "delete", false, true,
        List.of(new TableCount("public.auth_user", "root", 200, 3, 200L, "delete", 3L)), new PurgeResult.Totals(200, 3, 200L, 3L), 12L,
        null, null, null, null, List.of(new PurgeResult.SeedFile("admin.sql", 2)));
    assertThat(PurgeReport.render(null, seeded)).contains("TABLE", "SEEDED").contains("seed admin.sql: 2 statements\n")
        .containsPattern("public.auth_user\\s+root\\s+200\\s+200\\s+3\\s+3\\s+delete");
    PurgeResult plain = new PurgeResult("app", "delete", false, true,
        List.of(new TableCount("public.auth_user", "root", 200, 0)), new PurgeResult.Totals(200, 0), 12L, null, null, null);
    assertThat(PurgeReport.render(null, plain)).doesNotContain("SEEDED").doesNotContain("seed ")
        .containsPattern("public.auth_user\\s+root\\s+200\\s+0");
  }

  @Test
  void theJsonCarriesSeededOnlyWhenThereIsASeed() {
    PurgeResult plain = new PurgeResult("app", "delete", false, true,
        List.of(new TableCount("public.t", "root", 2, 0)), new PurgeResult.Totals(2, 0), 1L, null, null, null);
    assertThat(ResultJson.write(plain)).doesNotContain("seed");
    PurgeResult seeded = plain.withSeed(List.of(new PurgeResult.SeedFile("a.sql", 1)));
    assertThat(ResultJson.read(ResultJson.write(seeded)).seed()).containsExactly(new PurgeResult.SeedFile("a.sql", 1));
    String json = ResultJson.write(new PurgeResult("app", "delete", false, true,
        List.of(new TableCount("public.t", "root", 2, 1, 2L, "delete", 1L)), new PurgeResult.Totals(2, 1, 2L, 1L), 1L, null, null, null));
    assertThat(ResultJson.read(json).tables().get(0).seeded()).isEqualTo(1L);
    assertThat(ResultJson.read(json).totals().seeded()).isEqualTo(1L);
  }

  @Test
  void longSeedFileNamesAreSummedSoTheResultStaysWithin4KiB() {
    List<PurgeResult.SeedFile> files = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) files.add(new PurgeResult.SeedFile("/etc/datapurge/seed/" + i + "/" + "k".repeat(253), 2));
    PurgeResult r = new PurgeResult("app", "delete", true, false,
        List.of(new TableCount("public.auth_user", "root", 200, 200)), new PurgeResult.Totals(200, 200), 1L, null, null,
        null).withSeed(files);
    String json = ResultJson.write(r);
    assertThat(json.length()).isLessThanOrEqualTo(ResultJson.MAX_BYTES);
    assertThat(ResultJson.read(json).seed()).containsExactly(new PurgeResult.SeedFile("16 files", 32));
    assertThat(ResultJson.read(json).tables()).hasSize(1);
  }
}
