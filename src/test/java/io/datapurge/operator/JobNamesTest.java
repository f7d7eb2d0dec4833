package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobNamesTest {

  static final String UID = "8d1f2c3e-0000-4000-8000-00000000abcd";

  @Test
  void sameSpecAlwaysMapsToTheSameJob() {
    assertThat(JobNames.of("reset-staging", UID, 3L, RunMode.Purge))
        .isEqualTo(JobNames.of("reset-staging", UID, 3L, RunMode.Purge))
        .matches("reset-staging-purge-[0-9a-f]{10}");
  }

  @Test
  void newGenerationModeOrResourceMeansANewJob() {
    String job = JobNames.of("reset-staging", UID, 3L, RunMode.Purge);
    assertThat(JobNames.of("reset-staging", UID, 4L, RunMode.Purge)).isNotEqualTo(job);
    assertThat(JobNames.of("reset-staging", UID, 3L, RunMode.Plan)).isNotEqualTo(job)
        .startsWith("reset-staging-plan-");
    assertThat(JobNames.of("reset-staging", "another-uid", 3L, RunMode.Purge)).isNotEqualTo(job);
  }

  @Test
  void aMaximalResourceNameGivesAValidLabelValueOf63CharactersOrLess() {
    String longest = "a".repeat(200) + ".b-c.d" + "e".repeat(47);
    assertThat(longest).hasSize(253);
    for (RunMode mode : RunMode.values()) {
      String name = JobNames.of(longest, UID, 1L, mode);
      assertThat(name.length()).isLessThanOrEqualTo(63);
      assertThat(name).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    }
  }

  @Test
  void truncationNeverLeavesADashOrDotBeforeTheSuffix() {
    // The cut keeps 63 - len("-<mode>-<hash>") characters: it lands inside "-.-" for every mode.
    String name = "a".repeat(44) + "-.-bbbb";
    for (RunMode mode : RunMode.values()) {
      String job = JobNames.of(name, UID, 1L, mode);
      String kept = job.substring(0, job.length() - ("-" + mode.label() + "-").length() - 10);
      assertThat(name.substring(0, 63 - (job.length() - kept.length()))).as("the cut for %s", mode)
          .matches("a{44}[-.]+");
      assertThat(kept).as("what is kept of the name for %s", mode).isEqualTo("a".repeat(44));
      assertThat(job).doesNotContain("--").doesNotContain(".-").hasSizeLessThanOrEqualTo(63)
          .matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    }
  }
}
