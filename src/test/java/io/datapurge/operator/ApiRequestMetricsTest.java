package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiRequestMetricsTest {

  @Test
  void requestPathsMapToTheResourceTheOperatorTouched() {
    assertThat(ApiRequestMetrics.resource("/apis/batch/v1/namespaces/staging/jobs/reset-purge-1"))
        .containsExactly("jobs", "reset-purge-1");
    assertThat(ApiRequestMetrics.resource("/apis/batch/v1/namespaces/staging/jobs")).containsExactly("jobs", null);
    assertThat(ApiRequestMetrics.resource("/apis/datapurge.io/v1alpha1/namespaces/staging/userdatapurges/reset/status"))
        .containsExactly("userdatapurges/status", "reset");
    assertThat(ApiRequestMetrics.resource("/api/v1/pods")).containsExactly("pods", null);
    assertThat(ApiRequestMetrics.resource("/api/v1/namespaces/staging")).containsExactly("namespaces", "staging");
    assertThat(ApiRequestMetrics.resource("/version")[0]).isEqualTo("other");
  }
}
