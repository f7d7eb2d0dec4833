package io.datapurge.auth0;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.testing.FakeAuth0;
import io.datapurge.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Management API client against a local fake that behaves like a tenant: caps, limits, expiry. */
class Auth0ClientTest {
  static final String DOMAIN = "staging-tenant.eu.auth0.com";
  static final String ID = "purge-client-id";
  static final String SECRET = "s3cr3t-Client-Secret-4f9a";
  static final Auth0Client.Tuning FAST = new Auth0Client.Tuning(3, Duration.ofMillis(10), Duration.ofSeconds(5), 20,
      Duration.ofSeconds(10));
  static final Instant T0 = Instant.parse("2024-03-01T10:00:00Z");

  /** Shared by the client and the fake tenant: waits move it, nothing sleeps on the wall clock. */
  final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T09:00:00.250Z"));
  final FakeAuth0 fake = new FakeAuth0(DOMAIN, ID, SECRET, clock);

  @AfterEach
  void stop() {
    fake.close();
  }

  Auth0Client client(String secret) {
    return new Auth0Client(DOMAIN, fake.baseUrl(), new Auth0Client.Credentials(ID, secret), FAST, clock, clock);
  }

  @Test
  void pagingPastTheFirstThousandResultsIsRefusedByTheTenantSoTotalsAreCapped() {
    fake.addUsers(1500, "Username-Password-Authentication", T0, Duration.ofSeconds(1));
    Auth0Client client = client(SECRET);

    assertThat(client.users(null, 9, 100, "created_at:1").users()).hasSize(100);
    assertThat(client.users(null, 0, 1, null).total()).isEqualTo(1000);
    assertThatThrownBy(() -> client.users(null, 10, 100, "created_at:1"))
        .isInstanceOfSatisfying(Auth0Exception.class, e -> assertThat(e.status()).isEqualTo(400))
        .hasMessageContaining("first 1000 records");
  }

  @Test
  void deletingAMissingUserIsA204AsAuth0AnswersIt() {
    String id = fake.addUsers(1, "Username-Password-Authentication", T0, Duration.ZERO).get(0).id();
    Auth0Client client = client(SECRET);

    assertThat(client.delete(id)).as("first delete removes the user").isTrue();
    assertThat(client.delete(id)).as("second delete: 204 too, nothing to tell apart").isTrue();
    assertThat(fake.exists(id)).isFalse();
    assertThat(fake.notFound()).isEqualTo(1);
  }

  @Test
  void aDeleteWhoseAnswerWasLostIsRepeatedAndMarkedAsARepeat() {
    String id = fake.addUsers(1, "Username-Password-Authentication", T0, Duration.ZERO).get(0).id();
    fake.loseNextDeleteAnswer();

    assertThat(client(SECRET).delete(id)).isTrue();

    assertThat(fake.exists(id)).isFalse();
    assertThat(fake.requests()).as("the delete, then its repeat").filteredOn(r -> r.startsWith("DELETE")).hasSize(2);
    assertThat(fake.repeats()).as("the repeat carries " + Auth0Client.ATTEMPT_HEADER)
        .containsExactly("DELETE /api/v2/users/" + id.replace("|", "%7C") + " #2");
    assertThat(fake.deleteRequests(id)).as("the purge asked once").isEqualTo(1);
  }

  @Test
  void a5xxIsTriedTheConfiguredTimesWithADoublingBackoffAndThenNamed() {
    String id = fake.addUsers(1, "Username-Password-Authentication", T0, Duration.ZERO).get(0).id();
    fake.failDeletesWith(503);
    Auth0Client client = client(SECRET);
    client.scopes(); // the token first: its request is not part of the count

    assertThatThrownBy(() -> client.delete(id)).isInstanceOf(Auth0Exception.class)
        .hasMessageContaining("Auth0 answered 503 when trying to delete user " + id);

    String path = "DELETE /api/v2/users/" + id.replace("|", "%7C");
    assertThat(fake.requests()).filteredOn(r -> r.startsWith("DELETE")).as("FAST: 3 attempts").hasSize(3);
    assertThat(fake.repeats()).containsExactly(path + " #2", path + " #3");
    assertThat(clock.slept()).as("backoff 10 ms, then 20 ms").isEqualTo(Duration.ofMillis(30));
    assertThat(fake.exists(id)).isTrue();
  }

  @Test
  void aTenantThatAnswers404ForAMissingUserCountsItAsAlreadyDeleted() {
    String id = fake.missingUsersAnswer404().addUsers(1, "Username-Password-Authentication", T0, Duration.ZERO)
        .get(0).id();
    Auth0Client client = client(SECRET);

    assertThat(client.delete(id)).isTrue();
    assertThat(client.delete(id)).as("404: already gone").isFalse();
  }

  @Test
  void aBucketEmptiedByAnotherAppCostsOne429AndTheRetryWaitsForATokenNotForAFullBucket() {
    List<FakeAuth0.User> users = fake.addUsers(5, "Username-Password-Authentication", T0, Duration.ofSeconds(1));
    fake.rateLimit(10, 2).bucketExhaustedByOthers();
    Auth0Client client = client(SECRET);

    users.forEach(u -> assertThat(client.delete(u.id())).isTrue());

    assertThat(fake.rateLimited()).as("429s answered: only the first request, which knew nothing yet").isEqualTo(1);
    assertThat(fake.userCount()).isZero();
    // 5 tokens at 2/s take 2.5 s; refilling the whole bucket (5 s) before each retry would take far longer.
    assertThat(clock.slept()).isBetween(Duration.ofMillis(2500), Duration.ofMillis(4000));
  }

  @Test
  void theBucketsBurstIsUsedAndThenRequestsArePacedToTheRefillWithoutA429() {
    List<FakeAuth0.User> users = fake.addUsers(40, "Username-Password-Authentication", T0, Duration.ofSeconds(1));
    fake.rateLimit(10, 5);
    Auth0Client client = client(SECRET);

    users.forEach(u -> client.delete(u.id()));

    assertThat(fake.userCount()).isZero();
    assertThat(fake.rateLimited()).as("no 429: the headers were honoured").isZero();
    // 10 from the full bucket, 30 refilled at 5/s: at least 6 s; a lower-bound estimate of the rate costs a little.
    assertThat(clock.slept()).isBetween(Duration.ofMillis(6000), Duration.ofMillis(9000));
  }

  @Test
  void anExpiredTokenIsReplacedAndTheRequestRepeated() {
    List<FakeAuth0.User> users = fake.addUsers(10, "Username-Password-Authentication", T0, Duration.ofSeconds(1));
    fake.expireTokensAfter(4);
    Auth0Client client = client(SECRET);

    users.forEach(u -> assertThat(client.delete(u.id())).isTrue());

    assertThat(fake.expiredRejections()).as("one call met the expired token").isEqualTo(1);
    assertThat(fake.tokensIssued()).isEqualTo(2);
    assertThat(client.tokensFetched()).isEqualTo(2);
    assertThat(fake.userCount()).isZero();
  }

  @Test
  void aShortLivedTokenIsRefreshedBeforeItExpires() {
    fake.tokenLifetime(Duration.ofSeconds(2));
    Auth0Client client = client(SECRET);
    client.users(null, 0, 1, null);
    clock.advance(Duration.ofMillis(900)); // before the refresh point (lifetime minus half of it)
    client.users(null, 0, 1, null);
    assertThat(fake.tokensIssued()).as("the token is reused while fresh").isEqualTo(1);

    clock.advance(Duration.ofMillis(200)); // past the refresh point, before expiry
    client.users(null, 0, 1, null);

    assertThat(fake.tokensIssued()).isEqualTo(2);
    assertThat(fake.expiredRejections()).isZero();
  }

  @Test
  void wrongCredentialsAreNamedWithoutRevealingTheSecret() {
    fake.echoCredentialsInErrors();
    String wrong = "wrong-" + SECRET;
    Auth0Client client = client(wrong);

    assertThatThrownBy(() -> client.users(null, 0, 1, null))
        .isInstanceOfSatisfying(Auth0Exception.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.getMessage()).contains("AUTH0_CLIENT_SECRET", "access_denied", ID)
              .doesNotContain(wrong).doesNotContain(SECRET);
        });
    assertThat(client.toString()).contains(DOMAIN).doesNotContain(wrong);
  }

  @Test
  void theTokenIsRequestedForTheTenantsAudienceEvenWhenServedFromElsewhere() {
    Auth0Client client = client(SECRET);
    assertThat(client.audience()).isEqualTo("https://" + DOMAIN + "/api/v2/");
    assertThat(client.scopes()).contains("read:users", "delete:users");
    assertThat(fake.requests()).contains("POST /oauth/token");
  }

  @Test
  void theUsersExportJobIsPolledByItsTimeLeftAndItsFileFetchedWithoutTheToken() {
    fake.addUsers(3000, "Username-Password-Authentication", T0, Duration.ofMinutes(1));
    fake.addUsers(50, "google-oauth2", T0, Duration.ofMinutes(1));
    fake.exportTime(Duration.ofSeconds(20), Duration.ZERO);
    Auth0Client client = client(SECRET);
    Instant start = clock.instant();

    String connection = client.connectionId("Username-Password-Authentication");
    List<String> ids = client.exportUserIds(connection, null);

    assertThat(connection).matches("con_[A-Za-z0-9]{16}");
    assertThat(client.connectionId("no-such-connection")).isNull();
    assertThat(ids).hasSize(3000).doesNotHaveDuplicates().allMatch(id -> id.startsWith("auth0|"));
    assertThat(fake.requests().stream().filter(r -> r.startsWith("GET /api/v2/jobs/")))
        .as("polls: one at once, one when time_left_seconds said it would be done").hasSize(2);
    assertThat(Duration.between(start, clock.instant())).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(22));
    assertThat(fake.downloadsWithToken()).isZero();
    assertThat(client.exportUserIds(null, null)).as("the whole tenant, no connection_id").hasSize(3050);
  }

  @Test
  void anExportStillRunningAtTheTimeLimitStopsWaiting() {
    fake.addUsers(10, "Username-Password-Authentication", T0, Duration.ofMinutes(1));
    fake.exportTime(Duration.ofMinutes(10), Duration.ZERO);

    assertThatThrownBy(() -> client(SECRET).exportUserIds(null, clock.instant().plusSeconds(60)))
        .isInstanceOf(Auth0Exception.class).hasMessageContaining("--auth0-time-limit", "users-export job");
    assertThat(fake.exportDownloads()).isZero();
  }
}
