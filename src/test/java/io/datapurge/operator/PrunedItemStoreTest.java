package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** The informer caches keep what the operator reads, without managedFields. */
class PrunedItemStoreTest {

  static Pod pod(String phase) {
    return new PodBuilder().withNewMetadata().withName("reset-plan-x").withNamespace("staging")
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").withOperation("Update").build())
        .endMetadata().withNewStatus().withPhase(phase).endStatus().build();
  }

  @Test
  void storedObjectsLoseTheirManagedFieldsAndKeepTheRest() {
    PrunedItemStore<Pod> store = new PrunedItemStore<>();
    Pod pod = pod("Running");
    String key = store.getKey(pod);
    assertThat(key).isEqualTo("staging/reset-plan-x");
    assertThat(store.put(key, pod)).isNull();
    Pod cached = store.get(key);
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getStatus().getPhase()).isEqualTo("Running");

    assertThat(store.put(key, pod("Succeeded"))).as("the object it replaced").isSameAs(cached);
    assertThat(store.get(key).getStatus().getPhase()).isEqualTo("Succeeded");
  }
}
