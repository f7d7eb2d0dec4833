package io.datapurge.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.LoggerFactory;

/**
 * The Lease that keeps one operator replica active: its timing, its holder's identity, and its
 * hand-over when the holder stops on purpose.
 *
 * <p>Timing: client-go's defaults (15 s lease, 10 s renew deadline) make a leader give up when the
 * API server is away for ~10 s, and a kube-apiserver restart here takes ~13 s (upgrades of a
 * managed control plane take longer). A leader that gives up exits, so every API-server restart
 * would restart the operator. A 30 s renew deadline rides out such a restart; the price is that a
 * <em>crashed</em> leader's standby waits up to the 40 s lease duration before taking over, which
 * for a purge (minutes between requests) is no loss. A leader that stops on purpose (SIGTERM,
 * a rolling update) does not make anyone wait: it {@link #release releases} the Lease, as
 * client-go's {@code ReleaseOnCancel} does, which JOSDK does not offer.
 */
public record LeaderLease(String name, String namespace, String identity) {

  public static final Duration DURATION = Duration.ofSeconds(40);
  public static final Duration RENEW_DEADLINE = Duration.ofSeconds(30);
  public static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

  /** The holder identity: the Pod's name (HOSTNAME), as JOSDK would choose it; otherwise a random one. */
  public static String identity(String hostname) {
    return hostname == null || hostname.isBlank() ? UUID.randomUUID().toString() : hostname;
  }

  public LeaderElectionConfigurationBuilder configuration() {
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(name)
        .withLeaseNamespace(namespace)
        .withIdentity(identity)
        .withLeaseDuration(DURATION)
        .withRenewDeadline(RENEW_DEADLINE)
        .withRetryPeriod(RETRY_PERIOD);
  }

  /**
   * The Lease as client-go leaves it on release: no holder, a one-second duration, renewed now, the
   * transitions kept; empty when {@code identity} does not hold it, so a replica never frees
   * another replica's Lease.
   */
  public static Optional<Lease> released(Lease lease, String identity, Clock clock) {
    if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
      return Optional.empty();
    }
    ZonedDateTime now = ZonedDateTime.now(clock);
    return Optional.of(new LeaseBuilder(lease).editSpec()
        .withHolderIdentity(null)
        .withLeaseDurationSeconds(1)
        .withAcquireTime(now)
        .withRenewTime(now)
        .endSpec().build());
  }

  /**
   * Frees the Lease once this replica has stopped reconciling, so a standby (or the new Pod of a
   * rolling update) leads at its next retry instead of after {@link #DURATION}. The update carries
   * the read resourceVersion: if another replica took the Lease in between, it fails and changes
   * nothing. Best effort: a failure leaves the Lease to expire, as after a crash.
   */
  public void release(KubernetesClient client) {
    try {
      var resource = client.leases().inNamespace(namespace).withName(name);
      released(resource.get(), identity, Clock.systemUTC()).ifPresent(free -> {
        client.leases().inNamespace(namespace).resource(free).update();
        LoggerFactory.getLogger(LeaderLease.class).info("Released the leader lease {}/{}", namespace, name);
      });
    } catch (RuntimeException e) { // a conflict, an API server away: never fail the shutdown
      LoggerFactory.getLogger(LeaderLease.class)
          .warn("Could not release the leader lease {}/{} ({}); it expires in {}", namespace, name,
              e.getMessage(), DURATION);
    }
  }
}
