package io.datapurge.auth0;

import static io.datapurge.auth0.Auth0ClientTest.DOMAIN;
import static io.datapurge.auth0.Auth0ClientTest.FAST;
import static io.datapurge.auth0.Auth0ClientTest.ID;
import static io.datapurge.auth0.Auth0ClientTest.SECRET;
import static io.datapurge.auth0.Auth0ClientTest.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import io.datapurge.purge.PurgeResult;
import io.datapurge.purge.ResultJson;
import io.datapurge.testing.FakeAuth0;
import io.datapurge.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Counting and deleting a tenant's users past Auth0's 1000-result search cap (by search or the
 * users-export job), selective deletes, and partial failures.
 */
class Auth0UserPurgeTest {
  static final String DB_CONNECTION = "Username-Password-Authentication";
  static final PurgeResult COMMITTED = new PurgeResult("app", "delete", false, true, List.of(),
      new PurgeResult.Totals(700, 0), 5L, null, "r1", null);

  final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T09:00:00Z"));
  final FakeAuth0 fake = new FakeAuth0(DOMAIN, ID, SECRET, clock);

  Auth0Client client() {
    return new Auth0Client(DOMAIN, fake.baseUrl(), new Auth0Client.Credentials(ID, SECRET), FAST, clock, clock);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  Auth0UserPurge purge(String connection) {
    return new Auth0UserPurge(client(), connection, Duration.ZERO, null);
  }

  /** 2600 users: a year of sign-ups, plus 1300 imported within 1.3 seconds (one window cannot hold them). */
  void tenantWith2600Users() {
    fake.addUsers(1300, DB_CONNECTION, T0, Duration.ofHours(6));
    fake.addUsers(1300, DB_CONNECTION, T0.plus(Duration.ofDays(30)), Duration.ofMillis(1));
  }

  @Test
  void countsEveryUserPastTheThousandResultCap() {
    tenantWith2600Users();

    assertThat(purge(null).preflight(true)).isEqualTo(2600);
    assertThat(fake.pagingRefusals()).isZero();
    // One token, two edge queries, then one search per 1000 users: the 1000th oldest cuts the window
    // (halving by time took ~50 counts to cut the burst of 1300 sign-ups within 1.3 s down).
    assertThat(fake.requests()).as("requests to count").hasSizeLessThanOrEqualTo(6);
  }

  @Test
  void deletesEveryUserPastTheThousandResultCapWithoutPagingPastIt() {
    tenantWith2600Users();
    Auth0UserPurge purge = purge(null);
    long before = purge.preflight(true);

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(fake.userCount()).isZero();
    assertThat(fake.pagingRefusals()).isZero();
    assertThat(result.error()).isNull();
    assertThat(result.auth0()).isEqualTo(new PurgeResult.Auth0(DOMAIN, null, before, 2600L, 0L, 0L, null));
  }

  @Test
  void aConnectionFilterLeavesOtherConnectionsUsersAlone() {
    fake.addUsers(1200, DB_CONNECTION, T0, Duration.ofMinutes(1));
    fake.addUsers(300, "google-oauth2", T0, Duration.ofMinutes(1));
    Auth0UserPurge purge = purge(DB_CONNECTION);
    assertThat(purge.preflight(true)).isEqualTo(1200);

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(fake.userCount(DB_CONNECTION)).isZero();
    assertThat(fake.userCount("google-oauth2")).isEqualTo(300);
    assertThat(result.auth0().connection()).isEqualTo(DB_CONNECTION);
    assertThat(result.auth0().deleted()).isEqualTo(1200);
    assertThat(result.auth0().after()).isZero();
  }

  @Test
  void usersDeletedMeanwhileByOthersAreDeletedWithoutAnErrorAsAuth0Answers204() {
    fake.addUsers(250, DB_CONNECTION, T0, Duration.ofMinutes(1));
    Auth0UserPurge purge = purge(null);
    purge.preflight(true);
    fake.othersDeleteAfterNextList(7);

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(fake.notFound()).isEqualTo(7);
    assertThat(result.error()).isNull();
    assertThat(result.auth0().deleted()).as("204 for all 250: Auth0 does not say who was gone").isEqualTo(250);
    assertThat(result.auth0().after()).isZero();
  }

  @Test
  void onATenantAnswering404UsersDeletedMeanwhileAreCountedAsAlreadyDeleted() {
    fake.missingUsersAnswer404().addUsers(250, DB_CONNECTION, T0, Duration.ofMinutes(1));
    Auth0UserPurge purge = purge(null);
    purge.preflight(true);
    fake.othersDeleteAfterNextList(7);

    PurgeResult.Auth0 a = purge.complete(COMMITTED).auth0();

    assertThat(a.alreadyDeleted()).isEqualTo(7);
    assertThat(a.deleted()).isEqualTo(243);
    assertThat(a.after()).isZero();
  }

  @Test
  void aSecondPassDoesNotDeleteAgainTheUsersALaggingSearchStillLists() {
    fake.addUsers(300, DB_CONNECTION, T0, Duration.ofMinutes(1));
    fake.searchLag(Duration.ofSeconds(3));
    Auth0UserPurge purge = purge(null);
    purge.preflight(true);
    // Created after the count (an import with older created_at, new sign-ups): outside the first listing.
    List<FakeAuth0.User> late = new java.util.ArrayList<>(fake.addUsers(4, DB_CONNECTION, T0.minusSeconds(60),
        Duration.ofSeconds(1)));
    late.addAll(fake.addUsers(3, DB_CONNECTION, T0.plus(Duration.ofDays(1)), Duration.ofSeconds(1)));

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(fake.userCount()).isZero();
    assertThat(fake.mostDeletesOfOneUser()).as("every user deleted exactly once").isEqualTo(1);
    assertThat(fake.notFound()).isZero();
    assertThat(late).allSatisfy(u -> assertThat(fake.deleteRequests(u.id())).isEqualTo(1));
    assertThat(result.error()).isNull();
    assertThat(result.auth0().deleted()).isEqualTo(307);
    assertThat(result.auth0().after()).as("the users still listed were deleted by this run").isZero();
  }

  @Test
  void concurrentDeletesKeepToTheTenantsBucketAndDeleteEveryUserOnce() throws Exception {
    fake.close();
    try (FakeAuth0 tenant = new FakeAuth0(DOMAIN, ID, SECRET)) { // the wall clock: real threads, real waits
      tenant.addUsers(150, DB_CONNECTION, T0, Duration.ofMinutes(1));
      tenant.rateLimit(20, 100).latency(Duration.ofMillis(20));
      Auth0Client client = new Auth0Client(DOMAIN, tenant.baseUrl(), new Auth0Client.Credentials(ID, SECRET), FAST);
      Auth0UserPurge purge = new Auth0UserPurge(client, null, Duration.ZERO, null, 8);
      purge.preflight(true);

      PurgeResult result = purge.complete(COMMITTED);

      assertThat(result.error()).isNull();
      assertThat(tenant.userCount()).isZero();
      assertThat(tenant.rateLimited()).as("requests over the limit").isZero();
      assertThat(tenant.mostDeletesOfOneUser()).isEqualTo(1);
      assertThat(tenant.mostConcurrent()).as("deletes in flight at once").isGreaterThan(1);
    }
  }

  @Test
  void dryRunAndAFailedDatabasePurgeOnlyCount() {
    fake.addUsers(40, DB_CONNECTION, T0, Duration.ofMinutes(1));
    Auth0UserPurge purge = purge(null);
    purge.preflight(false);
    PurgeResult dry = new PurgeResult("app", "delete", true, false, List.of(), new PurgeResult.Totals(9, 9), 1L,
        null, null, null);
    PurgeResult lockTimeout = dry.withError(new PurgeResult.Failure("LockTimeout", "locked"));

    assertThat(purge.complete(dry).auth0()).isEqualTo(new PurgeResult.Auth0(DOMAIN, null, 40L, 0L, 0L, 40L, null));
    assertThat(purge.complete(lockTimeout).error().reason()).isEqualTo("LockTimeout");
    assertThat(fake.userCount()).isEqualTo(40);
    assertThat(fake.requests()).noneMatch(r -> r.startsWith("DELETE"));
  }

  @Test
  void deletesThatKeepFailingLeaveTheDatabaseCountsAndSayHowManyUsersRemain() {
    fake.addUsers(30, DB_CONNECTION, T0, Duration.ofMinutes(1));
    Auth0UserPurge purge = purge(null);
    purge.preflight(true);
    fake.failDeletesWith(500);

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(result.committed()).isTrue();
    assertThat(result.totals()).isEqualTo(COMMITTED.totals());
    assertThat(result.error().failureReason()).isEqualTo(FailureReason.Auth0Incomplete);
    assertThat(result.error().message()).contains("app was purged and committed", "30 users remain", DOMAIN,
        "answered 500", "Run the purge again");
    assertThat(result.auth0().after()).isEqualTo(30);
    assertThat(result.auth0().deleted()).isZero();
    assertThat(result.auth0().error()).contains("500");
    assertThat(ResultJson.write(result)).doesNotContain(SECRET);

    fake.failDeletesWith(0);
    Auth0UserPurge rerun = purge(null);
    assertThat(rerun.preflight(true)).isEqualTo(30);
    assertThat(rerun.complete(COMMITTED).auth0().after()).as("a rerun finishes the job").isZero();
  }

  @Test
  void pastTheTimeLimitItStopsAndReportsWhatRemains() {
    fake.addUsers(20, DB_CONNECTION, T0, Duration.ofMinutes(1));
    Auth0UserPurge purge = new Auth0UserPurge(client(), null, Duration.ZERO, clock.instant().plusSeconds(60));
    purge.preflight(true);
    clock.advance(Duration.ofSeconds(61)); // the database purge took longer than the time limit allowed

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(result.error().reason()).isEqualTo(FailureReason.Auth0Incomplete.name());
    assertThat(result.error().message()).contains("20 users remain", "--auth0-time-limit");
    assertThat(result.auth0().after()).isEqualTo(20);
    assertThat(fake.userCount()).isEqualTo(20);
  }

  @Test
  void aTokenWithoutDeleteScopeIsRefusedBeforeAnythingIsDeleted() {
    fake.addUsers(3, DB_CONNECTION, T0, Duration.ofMinutes(1));
    fake.grantedScopes("read:users");

    assertThat(purge(null).preflight(false)).as("a dry run only needs read:users").isEqualTo(3);
    assertThatThrownBy(() -> purge(null).preflight(true))
        .isInstanceOfSatisfying(PurgeException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.Auth0Failed);
          assertThat(e.getMessage()).contains("delete:users", "Nothing was deleted");
        });
    assertThat(fake.userCount()).isEqualTo(3);
  }

  // ---- the listing: users-export job or windowed search

  static Auth0UserPurge.Counted window(long total) {
    return new Auth0UserPurge.Counted(new CreatedAtWindow(T0, T0.plusSeconds(1)), total);
  }

  @Test
  void theExportIsChosenExactlyWhenItTakesFewerRequestsThanTheSearchPages() {
    // One search per page of 100, never past the 1000-result cap: 999 → 10, 1000 (uncuttable) → 10, 1 → 1.
    assertThat(Auth0UserPurge.searchRequests(List.of(window(999), window(1000), window(1)))).isEqualTo(21);
    assertThat(Auth0UserPurge.searchRequests(List.of())).isZero();
    // The job and its polls; a connection's export needs its id first.
    long export = Auth0UserPurge.exportRequests(false);
    assertThat(Auth0UserPurge.exportRequests(true)).isEqualTo(export + 1);
    assertThat(Auth0UserPurge.listing(export, export)).as("a tie: search, no job").isEqualTo(Auth0UserPurge.Listing.SEARCH);
    assertThat(Auth0UserPurge.listing(export + 1, export)).isEqualTo(Auth0UserPurge.Listing.EXPORT);
    assertThat(Auth0UserPurge.listing(export - 1, export)).isEqualTo(Auth0UserPurge.Listing.SEARCH);
    // So a tenant of 600 users (6 pages) is searched, one of 700 exported.
    assertThat(Auth0UserPurge.listing(Auth0UserPurge.searchRequests(List.of(window(600))), export))
        .isEqualTo(Auth0UserPurge.Listing.SEARCH);
    assertThat(Auth0UserPurge.listing(Auth0UserPurge.searchRequests(List.of(window(700))), export))
        .isEqualTo(Auth0UserPurge.Listing.EXPORT);
  }

  /** Requests other than deletes and the token: what listing the tenant cost. */
  static long listingRequests(FakeAuth0 tenant) {
    return tenant.requests().stream().filter(r -> r.contains(" /api/v2/") && !r.startsWith("DELETE")).count();
  }

  @Test
  void aLargeTenantIsListedByTheExportJobInFewerRequestsThanSearchAndEachUserIsDeletedOnce() {
    fake.addUsers(5000, DB_CONNECTION, T0, Duration.ofMinutes(3));
    fake.searchLag(Duration.ofSeconds(3)); // the second pass still lists the deleted users for a while
    Auth0UserPurge purge = purge(null);
    purge.preflight(true);
    assertThat(purge.listing()).isEqualTo(Auth0UserPurge.Listing.EXPORT);
    assertThat(purge.listingReason()).contains("users-export job", "instead of 51 searches", "5000 users");

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(result.error()).isNull();
    assertThat(result.auth0().deleted()).isEqualTo(5000);
    assertThat(result.auth0().after()).isZero();
    assertThat(fake.userCount()).isZero();
    assertThat(fake.mostDeletesOfOneUser()).as("every user deleted exactly once").isEqualTo(1);
    assertThat(fake.exportJobs()).isEqualTo(1);
    assertThat(fake.exportDownloads()).isEqualTo(1);
    long exportListing = listingRequests(fake);

    try (FakeAuth0 same = new FakeAuth0(DOMAIN, ID, SECRET, clock)) {
      same.addUsers(5000, DB_CONNECTION, T0, Duration.ofMinutes(3));
      same.searchLag(Duration.ofSeconds(3));
      Auth0UserPurge searched = new Auth0UserPurge(new Auth0Client(DOMAIN, same.baseUrl(),
          new Auth0Client.Credentials(ID, SECRET), FAST, clock, clock), null, Duration.ZERO, null);
      searched.preflight(true);
      searched.useListing(Auth0UserPurge.Listing.SEARCH);
      assertThat(searched.complete(COMMITTED).auth0().after()).isZero();
      assertThat(same.mostDeletesOfOneUser()).isEqualTo(1);
      assertThat(exportListing).as("listing requests, export vs search").isLessThan(listingRequests(same) - 40);
    }
  }

  @Test
  void usersSigningUpDuringTheExportAreFoundByTheNextPassesSearch() {
    fake.addUsers(1500, DB_CONNECTION, T0, Duration.ofMinutes(3));
    fake.addUsers(200, "google-oauth2", T0, Duration.ofMinutes(3));
    Auth0UserPurge purge = purge(DB_CONNECTION);
    purge.preflight(true);
    assertThat(purge.listing()).isEqualTo(Auth0UserPurge.Listing.EXPORT);
    fake.signUpsDuringNextExport(6); // created after the job's snapshot: the export misses them

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(result.error()).isNull();
    assertThat(result.auth0().deleted()).isEqualTo(1506);
    assertThat(fake.userCount(DB_CONNECTION)).isZero();
    assertThat(fake.userCount("google-oauth2")).as("another connection's users stay").isEqualTo(200);
    assertThat(fake.mostDeletesOfOneUser()).isEqualTo(1);
    assertThat(fake.requests()).anyMatch(r -> r.startsWith("GET /api/v2/connections?name="));
  }

  @Test
  void aConnectionsExportWithoutReadConnectionsIsRefusedBeforeAnythingIsDeletedNamingTheScope() {
    fake.addUsers(1200, DB_CONNECTION, T0, Duration.ofMinutes(1));
    fake.grantedScopes("read:users delete:users");

    assertThatThrownBy(() -> purge(DB_CONNECTION).preflight(true))
        .isInstanceOfSatisfying(PurgeException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.Auth0Failed);
          assertThat(e.getMessage()).contains("read:connections", "users-export job",
              "grant read:connections to the application", "Nothing was deleted");
        });
    assertThat(purge(null).preflight(true)).as("the whole tenant's export needs no connection id").isEqualTo(1200);
    assertThat(fake.userCount()).isEqualTo(1200);
  }

  @Test
  void aFailedExportJobStopsWithAuth0IncompleteAndDeletesNobodyAndARerunFinishes() {
    fake.addUsers(1200, DB_CONNECTION, T0, Duration.ofMinutes(1));
    Auth0UserPurge purge = purge(null);
    purge.preflight(true);
    fake.failNextExport("Internal error while exporting");

    PurgeResult result = purge.complete(COMMITTED);

    assertThat(result.error().failureReason()).isEqualTo(FailureReason.Auth0Incomplete);
    assertThat(result.error().message()).contains("users-export job", "failed", "Internal error while exporting");
    assertThat(result.auth0().after()).isEqualTo(1200);
    assertThat(fake.requests()).noneMatch(r -> r.startsWith("DELETE"));

    Auth0UserPurge rerun = purge(null);
    rerun.preflight(true);
    assertThat(rerun.complete(COMMITTED).auth0().after()).isZero();
    assertThat(fake.exportJobs()).isEqualTo(2);
  }

  // ---- selective purges: the same workers and rate limiter as the whole tenant's

  @Test
  void selectiveDeletesRunConcurrentlyWithinTheBucketAndDeleteEachUserOnce() {
    fake.close();
    try (FakeAuth0 tenant = new FakeAuth0(DOMAIN, ID, SECRET)) { // the wall clock: real threads, real waits
      List<FakeAuth0.User> users = tenant.addUsers(150, DB_CONNECTION, T0, Duration.ofMinutes(1));
      tenant.rateLimit(20, 100).latency(Duration.ofMillis(20));
      Auth0Client client = new Auth0Client(DOMAIN, tenant.baseUrl(), new Auth0Client.Credentials(ID, SECRET), FAST);
      List<String> ids = new ArrayList<>(users.subList(0, 120).stream().map(FakeAuth0.User::id).toList());
      Auth0UserPurge purge = new Auth0UserPurge(client, null, Duration.ZERO, null, 8);
      purge.preflightScopes(true);

      PurgeResult result = purge.completeUsers(COMMITTED, ids, false);

      assertThat(result.error()).isNull();
      assertThat(result.auth0()).isEqualTo(new PurgeResult.Auth0(DOMAIN, null, 120L, 120L, 0L, 0L, null));
      assertThat(ids).allSatisfy(id -> assertThat(tenant.deleteRequests(id)).isEqualTo(1));
      assertThat(tenant.userCount()).as("the other rows' users stay").isEqualTo(30);
      assertThat(tenant.rateLimited()).as("requests over the limit").isZero();
      assertThat(tenant.mostConcurrent()).as("deletes in flight at once").isGreaterThan(1);
    }
  }

  @Test
  void selectiveDeletesByEmailCountAnAddressNoUserHasAsAlreadyDeleted() {
    List<FakeAuth0.User> users = fake.addUsers(40, DB_CONNECTION, T0, Duration.ofMinutes(1));
    List<String> emails = new ArrayList<>(users.subList(0, 30).stream().map(FakeAuth0.User::email).toList());
    emails.add("nobody@users.example.test");
    Auth0UserPurge purge = purge(null);

    PurgeResult.Auth0 a = purge.completeUsers(COMMITTED, emails, true).auth0();

    assertThat(a).isEqualTo(new PurgeResult.Auth0(DOMAIN, null, 31L, 30L, 1L, 0L, null));
    assertThat(fake.userCount()).isEqualTo(10);
    assertThat(fake.mostDeletesOfOneUser()).isEqualTo(1);
  }

  @Test
  void selectiveDeletesStopAtTheFirstFailureOrTheTimeLimitAndSayWhatRemains() {
    List<String> ids = fake.addUsers(25, DB_CONNECTION, T0, Duration.ofMinutes(1)).stream().map(FakeAuth0.User::id).toList();
    fake.failDeletesWith(500);

    PurgeResult failed = purge(null).completeUsers(COMMITTED, ids, false);

    assertThat(failed.error().failureReason()).isEqualTo(FailureReason.Auth0Incomplete);
    assertThat(failed.error().message()).contains("up to 25 of the 25 Auth0 users", "answered 500");
    assertThat(failed.auth0().deleted()).isZero();

    fake.failDeletesWith(0);
    Auth0UserPurge late = new Auth0UserPurge(client(), null, Duration.ZERO, clock.instant().plusSeconds(60));
    clock.advance(Duration.ofSeconds(61));
    PurgeResult stopped = late.completeUsers(COMMITTED, ids, false);

    assertThat(stopped.error().message()).contains("--auth0-time-limit", "up to 25 of the 25");
    assertThat(fake.userCount()).isEqualTo(25);
  }
}
