import io.datapurge.auth0.Auth0Client;
import io.datapurge.auth0.Auth0UserPurge;
import io.datapurge.purge.PurgeResult;
import io.datapurge.testing.FakeAuth0;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Issue 16's Auth0 edges against FakeAuth0 (Auth0's documented token bucket and X-RateLimit-*
 * headers, a real round trip per request, the users-export job with a delay per 1000 users), per
 * tier, in one process:
 *
 * <ol>
 *   <li>a selective purge (--auth0-user-id-column: the purged rows' user ids) concurrent, as shipped,
 *       and one delete at a time (workers = 1, the former behaviour), interleaved;
 *   <li>listing a large tenant, whole: by the users-export job and by windowed search (what the first
 *       pass of a whole-tenant purge does before and while it deletes), requests and wall time,
 *       token and preflight count included.
 * </ol>
 *
 * usage: java -cp … bench/Auth0EdgesBench.java LATENCY_MS LIST_USERS BURST:RATE:SELECTED_USERS...
 */
public class Auth0EdgesBench {
  static final String DOMAIN = "bench-tenant.eu.auth0.com";
  static final String CONNECTION = "Username-Password-Authentication";
  static final Duration EXPORT_BASE = Duration.ofSeconds(2);
  static final Duration EXPORT_PER_1000 = Duration.ofMillis(100);
  static final PurgeResult COMMITTED = new PurgeResult("app", "delete", false, true, List.of(),
      new PurgeResult.Totals(1, 0), 1L, null, "bench", null);

  record Selective(String tier, int workers, int users, double rate, double seconds, double startup, long deleted,
      int leftSelected, int othersLeft, int over429, int mostDeletes, int mostConcurrent, long requests, String error) {}

  record Listing(String tier, String how, int users, double seconds, long requests, int listed, int distinct,
      int over429, String reason) {}

  public static void main(String[] args) {
    Duration latency = Duration.ofMillis(Long.parseLong(args[0]));
    int listUsers = Integer.parseInt(args[1]);
    selective("warm-up", 50, 50, 100, Auth0UserPurge.DEFAULT_WORKERS, latency); // JIT, class loading
    listing("warm-up", 50, 50, 2000, Auth0UserPurge.Listing.EXPORT, latency);
    List<Selective> selective = new ArrayList<>();
    List<Listing> listings = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      String[] t = args[i].split(":");
      int burst = Integer.parseInt(t[0]);
      double rate = Double.parseDouble(t[1]);
      int users = Integer.parseInt(t[2]);
      for (int workers : new int[] {Auth0UserPurge.DEFAULT_WORKERS, 1}) {
        Selective r = selective(args[i], burst, rate, users, workers, latency);
        selective.add(r);
        System.out.printf(Locale.ROOT, "done selective %s workers=%d: %.1f s%n", args[i], workers, r.seconds());
      }
      for (Auth0UserPurge.Listing how : Auth0UserPurge.Listing.values()) {
        Listing l = listing(burst + ":" + t[1], burst, rate, listUsers, how, latency);
        listings.add(l);
        System.out.printf(Locale.ROOT, "done listing %s %s: %.1f s%n", l.tier(), how, l.seconds());
      }
    }
    System.out.printf(Locale.ROOT, "%nlatency %d ms per request; export job takes %d ms + %d ms per 1000 users%n",
        latency.toMillis(), EXPORT_BASE.toMillis(), EXPORT_PER_1000.toMillis());
    System.out.println("\nselective purge (--auth0-user-id-column), 100 other users in the tenant stay:");
    System.out.printf(Locale.ROOT, "%-16s %-11s %6s %9s %8s %8s %9s %8s %5s %5s %7s %7s %9s %s%n", "tier burst:rate:users",
        "mode", "users", "allowed s", "wall s", "start s", "target s", "×allowed", "429s", "left", "max del",
        "in flight", "requests", "met");
    for (Selective r : selective) {
      double allowed = r.users() / r.rate();
      double target = 1.1 * allowed + r.startup();
      boolean met = r.seconds() <= target && r.over429() == 0 && r.leftSelected() == 0 && r.mostDeletes() == 1
          && r.deleted() == r.users() && r.othersLeft() == 100 && r.error() == null;
      System.out.printf(Locale.ROOT, "%-16s %-11s %6d %9.1f %8.1f %8.2f %9.1f %7.2fx %5d %5d %7d %9d %9d %s%n",
          r.tier(), r.workers() == 1 ? "sequential" : "concurrent", r.users(), allowed, r.seconds(), r.startup(), target,
          r.seconds() / allowed, r.over429(), r.leftSelected(), r.mostDeletes(), r.mostConcurrent(), r.requests(),
          r.workers() == 1 ? "(baseline)" : met ? "yes" : "NO" + (r.error() == null ? "" : ": " + r.error()));
    }
    System.out.println("target: wall <= 1.1 x users / rate + start-up (token, first answer), no 429, each selected user"
        + " deleted exactly once, the others kept");
    System.out.printf(Locale.ROOT, "%nwhole-tenant listing of %d users (token, preflight count, then the first pass's"
        + " listing; no deletes):%n", listUsers);
    System.out.printf(Locale.ROOT, "%-10s %-8s %6s %8s %9s %7s %8s %5s  %s%n", "tier", "listing", "users", "wall s",
        "API req", "listed", "distinct", "429s", "chosen by preflight");
    for (Listing l : listings) {
      System.out.printf(Locale.ROOT, "%-10s %-8s %6d %8.1f %9d %7d %8d %5d  %s%n", l.tier(), l.how().toLowerCase(Locale.ROOT),
          l.users(), l.seconds(), l.requests(), l.listed(), l.distinct(), l.over429(), l.reason());
    }
    System.out.println("target: the export takes fewer requests than the search, lists every user once, no 429");
  }

  static Auth0Client client(FakeAuth0 fake) {
    return new Auth0Client(DOMAIN, fake.baseUrl(), new Auth0Client.Credentials("bench-client", "bench-secret"),
        Auth0Client.Tuning.DEFAULT);
  }

  static Selective selective(String tier, int burst, double rate, int users, int workers, Duration latency) {
    try (FakeAuth0 fake = new FakeAuth0(DOMAIN, "bench-client", "bench-secret")) {
      List<String> ids = fake.addUsers(users, CONNECTION, Instant.parse("2024-01-01T00:00:00Z"), Duration.ofMinutes(17))
          .stream().map(FakeAuth0.User::id).toList();
      fake.addUsers(100, CONNECTION, Instant.parse("2023-01-01T00:00:00Z"), Duration.ofMinutes(17));
      fake.rateLimit(burst, rate).latency(latency);
      Auth0Client client = client(fake);
      long t0 = System.nanoTime();
      Instant start = Instant.now();
      Auth0UserPurge purge = new Auth0UserPurge(client, null, Duration.ZERO, null, workers);
      purge.preflightScopes(true);
      PurgeResult.Auth0 a = purge.completeUsers(COMMITTED, ids, false).auth0();
      double seconds = (System.nanoTime() - t0) / 1e9;
      Instant first = fake.firstDeleteAt();
      double startup = first == null ? 0 : Duration.between(start, first).toMillis() / 1000.0;
      int left = (int) ids.stream().filter(fake::exists).count();
      return new Selective(tier, workers, users, rate, seconds, startup, a.deleted(), left, fake.userCount() - left,
          fake.rateLimited(), fake.mostDeletesOfOneUser(), fake.mostConcurrent(), fake.apiRequests(), a.error());
    }
  }

  static Listing listing(String tier, int burst, double rate, int users, Auth0UserPurge.Listing how, Duration latency) {
    try (FakeAuth0 fake = new FakeAuth0(DOMAIN, "bench-client", "bench-secret")) {
      // Two years of sign-ups and an import of 1500 users within 1.5 s (windows must be cut there).
      fake.addUsers(users - 1500, CONNECTION, Instant.parse("2024-01-01T00:00:00Z"), Duration.ofMinutes(17));
      fake.addUsers(1500, CONNECTION, Instant.parse("2025-06-01T00:00:00Z"), Duration.ofMillis(1));
      fake.rateLimit(burst, rate).latency(latency).exportTime(EXPORT_BASE, EXPORT_PER_1000);
      long t0 = System.nanoTime();
      Auth0UserPurge purge = new Auth0UserPurge(client(fake), null, Duration.ZERO, null);
      purge.preflight(true);
      String reason = purge.listingReason();
      purge.useListing(how);
      List<String> ids = purge.listAll();
      double seconds = (System.nanoTime() - t0) / 1e9;
      return new Listing(tier, how.name(), users, seconds, fake.apiRequests(), ids.size(), new HashSet<>(ids).size(),
          fake.rateLimited(), reason);
    }
  }
}
