package io.datapurge.auth0;

import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import io.datapurge.purge.PurgeResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Deletes the users of an Auth0 tenant (or of one of its connections) after the database purge has
 * committed; see docs/auth0.md for why in that order.
 *
 * <p>Auth0's search returns at most 1000 results per query, so users are listed in
 * {@link CreatedAtWindow created_at windows} that each hold fewer, and deleted concurrently at the
 * rate the tenant allows; a large tenant's first pass is listed by the users-export job instead when
 * that takes fewer requests ({@link #listing}). Deleted users are gone, so a rerun simply continues
 * where a failed run stopped; Auth0 answers 204 to the delete of a missing user too.
 */
public final class Auth0UserPurge {
  /** Passes over the tenant: later passes catch users the eventually consistent search showed late. */
  static final int MAX_PASSES = 5;
  /**
   * Deletes in flight at once. The rate limiter, not this number, sets the pace; it only has to cover
   * the tenant's rate times the round trip (50/s at 300 ms needs 15).
   */
  public static final int DEFAULT_WORKERS = 20;
  /** The last page a search may return: results 901 to 1000. */
  static final int LAST_PAGE = Auth0Client.SEARCH_CAP / Auth0Client.MAX_PER_PAGE - 1;
  /**
   * Polls of a users-export job counted for the choice of the listing: each waits what the job says
   * is left ({@code time_left_seconds}), so a few suffice; the log shows the real number.
   */
  static final int EXPORT_POLLS = 5;

  /** How the first pass lists the users to delete. */
  public enum Listing { SEARCH, EXPORT }

  private final Auth0Client client;
  private final String connection;
  private final String filter;
  private final Duration passPause;
  private final Instant stopAt;
  private final int workers;
  private long before = -1;
  private List<Counted> preflightWindows;
  private Listing listing = Listing.SEARCH;
  private String connectionId;
  private String listingReason = "windowed search";

  /**
   * @param connection only users with an identity in this connection, or null for every user
   * @param passPause pause before a second pass, giving Auth0's search index time to catch up
   * @param stopAt when to stop deleting and report what remains (before a Job deadline ends the
   *     process without a result), or null for no limit
   */
  public Auth0UserPurge(Auth0Client client, String connection, Duration passPause, Instant stopAt) {
    this(client, connection, passPause, stopAt, DEFAULT_WORKERS);
  }

  /** As above, with at most {@code workers} deletes in flight at once (1: one after another). */
  public Auth0UserPurge(Auth0Client client, String connection, Duration passPause, Instant stopAt, int workers) {
    if (workers < 1) throw new IllegalArgumentException("workers must be at least 1");
    this.workers = workers;
    this.client = client;
    this.connection = connection;
    this.filter = connection == null ? null
        : "identities.connection:\"" + connection.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    this.passPause = passPause;
    this.stopAt = stopAt;
  }

  /** What the delete did; {@code after} is null when the tenant could not be counted at the end. */
  public record Outcome(long before, long deleted, long alreadyDeleted, Long after, String error) {
    public long remaining() {
      return after != null ? after : Math.max(0, before - deleted - alreadyDeleted);
    }
  }

  /** A window and how many users it holds (below 1000 unless it cannot be cut further). */
  record Counted(CreatedAtWindow window, long total) {}

  /** Requests listing {@code windows} by search takes: one per page of 100, up to the cap. */
  static long searchRequests(List<Counted> windows) {
    return windows.stream().mapToLong(w -> (Math.min(w.total(), Auth0Client.SEARCH_CAP) + Auth0Client.MAX_PER_PAGE - 1)
        / Auth0Client.MAX_PER_PAGE).sum();
  }

  /** Requests a users-export job takes: the connection's id (when filtered), the job, its polls. */
  static long exportRequests(boolean byConnection) {
    return (byConnection ? 1 : 0) + 1 + EXPORT_POLLS;
  }

  /** The export when it takes fewer requests than the search; on a tie the search, which needs no job. */
  static Listing listing(long searchRequests, long exportRequests) {
    return exportRequests < searchRequests ? Listing.EXPORT : Listing.SEARCH;
  }

  /** The listing the next delete's first pass uses (chosen by {@link #preflight} for a delete). */
  public Listing listing() {
    return listing;
  }

  /** Which listing, and why, e.g. "users-export job: 6 requests instead of 201 searches for 20000 users". */
  public String listingReason() {
    return listingReason;
  }

  /** As chosen by preflight, or forced (the benchmark compares both). */
  public void useListing(Listing forced) {
    if (forced == Listing.EXPORT && connection != null && connectionId == null) connectionId = lookUpConnection();
    listing = forced;
    listingReason = (forced == Listing.EXPORT ? "users-export job" : "windowed search") + " (forced)";
  }

  /**
   * Before anything is deleted anywhere: proves the credentials work, that the client holds the
   * scopes it needs, and counts the users. A failure here stops the purge with nothing deleted.
   */
  public long preflight(boolean deleting) {
    return preflight(deleting, true);
  }

  /** The scope check of {@link #preflight} alone: a selective purge deletes known users, it counts none up front. */
  public void preflightScopes(boolean deleting) {
    preflight(deleting, false);
  }

  private long preflight(boolean deleting, boolean count) {
    try {
      Set<String> missing = new LinkedHashSet<>(deleting ? List.of("read:users", "delete:users") : List.of("read:users"));
      missing.removeAll(client.scopes());
      if (!missing.isEmpty()) {
        throw new Auth0Exception("the application's token lacks the scopes " + String.join(", ", missing)
            + ": grant them to the application on the Auth0 Management API.", 403);
      }
      if (!count) {
        return 0;
      }
      preflightWindows = windows();
      before = preflightWindows.stream().mapToLong(Counted::total).sum();
      if (deleting) chooseListing();
      return before;
    } catch (Auth0Exception e) {
      throw new PurgeException(FailureReason.Auth0Failed, "Auth0 tenant " + client.domain() + ": " + e.getMessage()
          + " Nothing was deleted, neither in the database nor in Auth0.", e);
    }
  }

  private void chooseListing() {
    long search = searchRequests(preflightWindows);
    long export = exportRequests(connection != null);
    listing = listing(search, export);
    String counts = export + " requests instead of " + search + " searches for " + before + " users";
    if (listing == Listing.EXPORT && connection != null) {
      if (!client.scopes().contains("read:connections")) {
        throw new Auth0Exception("the application's token lacks the scope read:connections, which listing connection "
            + connection + " by a users-export job needs (" + counts + "): grant read:connections to the"
            + " application on the Auth0 Management API.", 403);
      }
      connectionId = lookUpConnection();
    }
    listingReason = listing == Listing.EXPORT ? "users-export job: " + counts
        : "windowed search: " + search + " searches, a users-export job would take " + export + " requests";
  }

  private String lookUpConnection() {
    String id = client.connectionId(connection);
    if (id == null) throw new Auth0Exception("the tenant has no connection named " + connection + ".", 404);
    return id;
  }

  /**
   * The Auth0 half of a selective purge: deletes exactly the users of the purged rows, named by their
   * Auth0 {@code user_id} or, with {@code email}, by their email address (every user with that email). Counts
   * only for a dry run or an uncommitted database purge. Never throws; see {@link #complete}.
   */
  public PurgeResult completeUsers(PurgeResult db, List<String> identities, boolean email) {
    long before = identities.size();
    if (db.error() != null || !Boolean.TRUE.equals(db.committed())) {
      return db.withAuth0(new PurgeResult.Auth0(client.domain(), connection, before, 0L, 0L, before, null));
    }
    // The same workers, rate limiter and accounting as deleteAll: each user deleted once, the first
    // failure (or the time limit) stops the rest.
    long deleted;
    long gone;
    String error = null;
    try (Deletes deletes = new Deletes()) {
      try {
        for (String identity : identities) {
          deletes.rethrow();
          if (!email) {
            deletes.delete(identity);
            continue;
          }
          deletes.submit(() -> {
            deletes.checkTime();
            List<Auth0Client.User> found = client.users(emailQuery(identity), 0, Auth0Client.MAX_PER_PAGE, null).users();
            if (found.isEmpty()) deletes.gone.incrementAndGet();
            for (Auth0Client.User u : found) {
              if (!deletes.done.contains(u.id())) deletes.deleteNow(u.id());
            }
          });
        }
        deletes.await();
      } catch (Auth0Exception | InterruptedException | ExecutionException e) {
        error = message(e);
      }
      deleted = deletes.deleted.get();
      gone = deletes.gone.get();
    }
    long remaining = Math.max(0, before - deleted - gone);
    PurgeResult withAuth0 = db.withAuth0(new PurgeResult.Auth0(client.domain(), connection, before, deleted, gone,
        remaining, error));
    if (error == null) return withAuth0;
    long rows = db.totals() == null ? 0 : db.totals().before() - db.totals().after();
    return withAuth0.withError(PurgeResult.Failure.of(FailureReason.Auth0Incomplete,
        "Database " + db.database() + " was purged and committed (" + rows + " rows deleted), but up to " + remaining
            + " of the " + before + " Auth0 users of the purged rows remain in tenant " + client.domain() + ": " + error
            + " Run the purge again with the same run id to delete the rest; the run ledger kept their ids."));
  }

  private String emailQuery(String email) {
    String term = "email:\"" + email.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    return filter == null ? term : filter + " AND " + term;
  }

  /** Users matching the filter, counted window by window. */
  public long count() {
    return windows().stream().mapToLong(Counted::total).sum();
  }

  /**
   * The Auth0 half of a run, given the database half's result: counts only for a dry run or a failed
   * or uncommitted database purge; deletes after a commit. Never throws: an Auth0 failure after the
   * commit becomes {@link FailureReason#Auth0Incomplete} beside the database counts.
   */
  public PurgeResult complete(PurgeResult db) {
    if (before < 0) throw new IllegalStateException("preflight first");
    if (db.error() != null || !Boolean.TRUE.equals(db.committed())) {
      return db.withAuth0(new PurgeResult.Auth0(client.domain(), connection, before, 0L, 0L, before, null));
    }
    Outcome o = deleteAll(before);
    PurgeResult withAuth0 = db.withAuth0(new PurgeResult.Auth0(client.domain(), connection, o.before(), o.deleted(),
        o.alreadyDeleted(), o.after(), o.error()));
    if (o.error() == null && o.remaining() == 0) return withAuth0;
    String why = o.error() != null ? o.error()
        : "they were still listed after " + MAX_PASSES + " passes (created meanwhile, or Auth0's search lagging)";
    long rows = db.totals() == null ? 0 : db.totals().before() - db.totals().after()
        + (db.totals().seeded() == null ? 0 : db.totals().seeded());
    return withAuth0.withError(PurgeResult.Failure.of(FailureReason.Auth0Incomplete,
        "Database " + db.database() + " was purged and committed (" + rows + " rows deleted), but "
            + o.remaining() + (o.after() == null ? " (estimated)" : "") + " users remain in Auth0 tenant "
            + client.domain() + (connection == null ? "" : " connection " + connection) + " after deleting "
            + o.deleted() + ": " + why + " Run the purge again to delete the rest; deleted users stay deleted."));
  }

  /**
   * Deletes every matching user, in passes until every listed user was deleted by this run, a pass
   * deletes nothing, or a call fails. Up to {@code workers} deletes are in flight at once, paced by the
   * client's rate limiter; a window is listed whole before its users are deleted (deleting shifts the
   * pages of a search), while the previous window's deletes go on. Auth0's search is eventually
   * consistent: a deleted user may be listed for a while, so a later pass skips the users this run
   * already deleted instead of deleting them again.
   */
  public Outcome deleteAll(long before) {
    Deletes deletes = new Deletes();
    try (deletes) {
      Instant listed = null;
      List<Counted> windows = List.of();
      for (int pass = 1; ; pass++) {
        if (pass > 1) {
          // The pause lets the search index catch up after the pass's listing; deletes count towards it.
          Duration left = passPause.minus(Duration.between(listed, client.clock().instant()));
          if (left.compareTo(Duration.ZERO) > 0) client.sleeper().sleep(left);
        }
        long todo = 0;
        if (pass == 1 && listing == Listing.EXPORT) {
          // A snapshot taken after the commit; later passes search for whom it missed or the index shows late.
          Set<String> exported = new LinkedHashSet<>(listAll());
          todo = exported.size();
          exported.forEach(deletes::delete);
          windows = preflightWindows != null ? preflightWindows : windows();
        } else {
          windows = pass == 1 && preflightWindows != null ? preflightWindows : windows(windows);
          for (Counted w : windows) {
            deletes.rethrow();
            for (String id : ids(w)) {
              if (deletes.done.contains(id)) continue; // deleted by an earlier pass, still in the search index
              todo++;
              if (pass <= MAX_PASSES) deletes.delete(id);
            }
          }
        }
        listed = client.clock().instant();
        deletes.await();
        if (todo == 0 || pass > MAX_PASSES) return new Outcome(before, deletes.deleted.get(), deletes.gone.get(), todo, null);
      }
    } catch (Auth0Exception | InterruptedException | ExecutionException e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      Long after;
      try {
        after = count();
      } catch (RuntimeException countFailed) {
        after = null;
      }
      return new Outcome(before, deletes.deleted.get(), deletes.gone.get(), after, message(e));
    }
  }

  private static String message(Exception e) {
    return e instanceof ExecutionException ? String.valueOf(e.getCause()) : e.getMessage();
  }

  /**
   * The deletes of one run, on up to {@code workers} threads paced by the client's rate limiter: the
   * counts, the users done, and the first failure, which stops the rest.
   */
  private final class Deletes implements AutoCloseable {
    final Set<String> done = ConcurrentHashMap.newKeySet();
    final AtomicLong deleted = new AtomicLong();
    final AtomicLong gone = new AtomicLong();
    final AtomicReference<Auth0Exception> failure = new AtomicReference<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "auth0-delete");
      t.setDaemon(true);
      return t;
    });
    private final List<Future<?>> pending = new ArrayList<>();

    /** Runs {@code task} on a worker unless the run already failed; its Auth0Exception stops the rest. */
    void submit(Runnable task) {
      pending.add(pool.submit(() -> {
        if (failure.get() != null) return;
        try {
          task.run();
        } catch (Auth0Exception e) {
          failure.compareAndSet(null, e);
        }
      }));
    }

    void delete(String id) {
      submit(() -> deleteNow(id));
    }

    /** Deletes {@code id} on the calling thread (a worker). */
    void deleteNow(String id) {
      checkTime();
      if (client.delete(id)) deleted.incrementAndGet(); else gone.incrementAndGet();
      done.add(id);
    }

    void checkTime() {
      if (stopAt != null && client.clock().instant().isAfter(stopAt)) {
        throw new Auth0Exception("stopped at the time limit (--auth0-time-limit) so that the result is"
            + " written before the Job's deadline.", 0);
      }
    }

    /** Waits for every task submitted so far; then throws the first failure, if any. */
    void await() throws InterruptedException, ExecutionException {
      for (Future<?> f : pending) f.get();
      pending.clear();
      rethrow();
    }

    void rethrow() {
      Auth0Exception e = failure.get();
      if (e != null) throw e;
    }

    /** Lets the deletes in flight finish (queued ones skip after a failure), so that the counts are exact. */
    @Override
    public void close() {
      pool.shutdown();
      try {
        if (!pool.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES)) pool.shutdownNow();
      } catch (InterruptedException e) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Every matching user's id as the first pass of a delete lists them: by the users-export job or
   * window by window (without deleting; the benchmark times the two).
   */
  public List<String> listAll() {
    if (listing == Listing.EXPORT) return client.exportUserIds(connectionId, stopAt);
    List<String> ids = new ArrayList<>();
    for (Counted w : preflightWindows != null ? preflightWindows : windows()) ids.addAll(ids(w));
    return ids;
  }

  /** Windows covering every matching user, each small enough to be listed whole. */
  List<Counted> windows() {
    return windows(List.of());
  }

  /**
   * As {@link #windows()}, starting from the windows of an earlier listing: those are counted again
   * (and cut when they grew), and only what lies before the first or after the last is cut anew. A
   * user's created_at does not change, so new users appear at the newest end; recounting saves the
   * dozens of counts that cutting down to a burst of sign-ups took.
   */
  List<Counted> windows(List<Counted> known) {
    List<Counted> result = new ArrayList<>();
    Instant oldest = edge("created_at:1");
    Instant newest = edge("created_at:-1");
    if (oldest == null || newest == null) return result;
    Deque<CreatedAtWindow> todo = new ArrayDeque<>();
    if (known.isEmpty()) {
      todo.addLast(new CreatedAtWindow(oldest, newest.plusMillis(1)));
    } else {
      Instant from = known.get(0).window().from();
      Instant to = known.get(known.size() - 1).window().to();
      if (oldest.isBefore(from)) todo.addLast(new CreatedAtWindow(oldest, from));
      known.forEach(c -> todo.addLast(c.window()));
      if (!newest.isBefore(to)) todo.addLast(new CreatedAtWindow(to, newest.plusMillis(1)));
    }
    while (!todo.isEmpty()) {
      CreatedAtWindow w = todo.pollFirst();
      // The window's last page of the search (oldest first): its total, and when the window holds
      // 1000 or more, the 1000th user's created_at, which cuts off a window of the 999 or fewer before it.
      Auth0Client.Page last = client.users(w.query(filter), LAST_PAGE, Auth0Client.MAX_PER_PAGE, "created_at:1");
      long total = last.total();
      if (total == 0) continue;
      Counted before = total >= Auth0Client.SEARCH_CAP ? before1000th(w, last.users()) : null;
      if (before != null) {
        result.add(before);
        todo.addFirst(new CreatedAtWindow(before.window().to(), w.to()));
      } else if (total >= Auth0Client.SEARCH_CAP && w.splittable()) {
        CreatedAtWindow[] halves = w.halves();
        todo.addFirst(halves[1]);
        todo.addFirst(halves[0]);
      } else {
        result.add(new Counted(w, total));
      }
    }
    return result;
  }

  /**
   * The users of {@code w} created before its 1000th oldest (of whom {@code page} holds the 901st to
   * the 1000th), counted exactly from that page; null when they cannot be: the 1000th shares its
   * millisecond with the window's start or with the whole page.
   */
  private static Counted before1000th(CreatedAtWindow w, List<Auth0Client.User> page) {
    if (page.size() != Auth0Client.MAX_PER_PAGE) return null;
    Instant cut = page.get(page.size() - 1).createdAt();
    if (cut == null || !cut.isAfter(w.from()) || !cut.isBefore(w.to())) return null;
    long ties = page.subList(0, page.size() - 1).stream().filter(u -> cut.equals(u.createdAt())).count();
    if (ties == page.size() - 1) return null;
    return new Counted(new CreatedAtWindow(w.from(), cut), Auth0Client.SEARCH_CAP - 1 - ties);
  }

  /** The ids in one window, page by page, never past the search cap. */
  private List<String> ids(Counted w) {
    List<String> ids = new ArrayList<>();
    int pages = (int) Math.ceil(Math.min(w.total(), Auth0Client.SEARCH_CAP) / (double) Auth0Client.MAX_PER_PAGE);
    for (int page = 0; page < pages; page++) {
      List<Auth0Client.User> users =
          client.users(w.window().query(filter), page, Auth0Client.MAX_PER_PAGE, "created_at:1").users();
      users.forEach(u -> ids.add(u.id()));
      if (users.size() < Auth0Client.MAX_PER_PAGE) break;
    }
    return ids;
  }

  private Instant edge(String sort) {
    List<Auth0Client.User> users = client.users(filter, 0, 1, sort).users();
    if (users.isEmpty()) return null;
    if (users.get(0).createdAt() == null) {
      throw new Auth0Exception("Auth0 listed user " + users.get(0).id() + " without created_at; cannot page past"
          + " 1000 users without it.", 200);
    }
    return users.get(0).createdAt();
  }
}
