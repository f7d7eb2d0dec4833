import io.datapurge.auth0.Auth0Client;
import io.datapurge.auth0.Auth0UserPurge;
import io.datapurge.testing.FakeAuth0;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Deleting an Auth0 tenant's users at the tenant's rate limit: the purge's Auth0 half (token, scope
 * check, count, windowed listing, deletes, a second pass) against FakeAuth0, which models Auth0's
 * documented limiter (a token bucket; X-RateLimit-Limit = bucket size, -Remaining, -Reset = epoch
 * seconds when full again; 429 over it), with a real round trip per request and a lagging search.
 * Each tier runs twice in this process, interleaved: concurrent (the default) and one request at a
 * time (workers = 1, the former behaviour).
 *
 * usage: java -cp JAR:TEST_CLASSES bench/Auth0Bench.java LATENCY_MS LAG_S PASS_PAUSE_S BURST:RATE:USERS...
 */
public class Auth0Bench {
  record Run(String tier, int workers, int users, double rate, int burst, double seconds, double startup,
      long deleted, int left, int over429, int mostDeletes, int mostConcurrent, double paced, int requests,
      String error) {}

  public static void main(String[] args) throws Exception {
    Duration latency = Duration.ofMillis(Long.parseLong(args[0]));
    Duration lag = Duration.ofSeconds(Long.parseLong(args[1]));
    Duration passPause = Duration.ofSeconds(Long.parseLong(args[2]));
    List<Run> runs = new ArrayList<>();
    run("warm-up", 50, 50, 120, Auth0UserPurge.DEFAULT_WORKERS, latency, lag, passPause); // JIT, class loading
    run("warm-up", 50, 50, 120, 1, latency, lag, passPause);
    for (int i = 3; i < args.length; i++) {
      String[] t = args[i].split(":");
      int burst = Integer.parseInt(t[0]);
      double rate = Double.parseDouble(t[1]);
      int users = Integer.parseInt(t[2]);
      for (int workers : new int[] {Auth0UserPurge.DEFAULT_WORKERS, 1}) {
        Run r = run(args[i], burst, rate, users, workers, latency, lag, passPause);
        runs.add(r);
        System.out.printf(Locale.ROOT, "done %s workers=%d: %.1f s%n", args[i], workers, r.seconds());
      }
    }
    System.out.printf(Locale.ROOT, "%nlatency %d ms per request, search lag %d s, pause before a second pass %d s%n",
        latency.toMillis(), lag.toSeconds(), passPause.toSeconds());
    System.out.printf(Locale.ROOT, "%-16s %-11s %6s %9s %9s %9s %9s %7s %6s %5s %7s %7s %8s %9s %s%n", "tier burst:rate:users",
        "mode", "users", "allowed s", "wall s", "start s", "target s", "×allowed", "429s", "left", "max del", "in flight",
        "paced/s", "requests", "met");
    for (Run r : runs) {
      double allowed = r.users() / r.rate();
      double target = 1.1 * allowed + r.startup();
      boolean met = r.seconds() <= target && r.over429() == 0 && r.left() == 0 && r.mostDeletes() == 1
          && r.deleted() == r.users() && r.error() == null;
      System.out.printf(Locale.ROOT, "%-16s %-11s %6d %9.1f %9.1f %9.2f %9.1f %7.2fx %6d %5d %7d %7d %8.1f %9d %s%n",
          r.tier(), r.workers() == 1 ? "sequential" : "concurrent", r.users(), allowed, r.seconds(), r.startup(),
          target, r.seconds() / allowed, r.over429(), r.left(), r.mostDeletes(), r.mostConcurrent(), r.paced(),
          r.requests(), r.workers() == 1 ? "(baseline)" : met ? "yes" : "NO" + (r.error() == null ? "" : ": " + r.error()));
    }
    System.out.println("target: wall <= 1.1 x users / rate + start-up (token, scopes, count, first window listed),"
        + " no 429, every user deleted exactly once, none left");
  }

  static Run run(String tier, int burst, double rate, int users, int workers, Duration latency, Duration lag,
      Duration passPause) {
    String domain = "bench-tenant.eu.auth0.com";
    try (FakeAuth0 fake = new FakeAuth0(domain, "bench-client", "bench-secret")) {
      // A tenant grown over two years, plus an import of 1500 users within one second (windows must split).
      int imported = Math.min(1500, users / 2);
      fake.addUsers(users - imported, "Username-Password-Authentication", Instant.parse("2024-01-01T00:00:00Z"),
          Duration.ofMinutes(17));
      fake.addUsers(imported, "Username-Password-Authentication", Instant.parse("2025-06-01T00:00:00Z"),
          Duration.ofMillis(1));
      fake.rateLimit(burst, rate).latency(latency).searchLag(lag);
      Auth0Client client = new Auth0Client(domain, fake.baseUrl(), new Auth0Client.Credentials("bench-client",
          "bench-secret"), Auth0Client.Tuning.DEFAULT);
      long t0 = System.nanoTime();
      Instant start = Instant.now();
      Auth0UserPurge purge = new Auth0UserPurge(client, null, passPause, null, workers);
      long before = purge.preflight(true);
      Auth0UserPurge.Outcome o = purge.deleteAll(before);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Instant first = fake.firstDeleteAt();
      double startup = first == null ? 0 : Duration.between(start, first).toMillis() / 1000.0;
      return new Run(tier, workers, users, rate, burst, seconds, startup, o.deleted(), fake.userCount(),
          fake.rateLimited(), fake.mostDeletesOfOneUser(), fake.mostConcurrent(), client.pacedRatePerSecond(),
          fake.requests().size(), o.error());
    }
  }
}
