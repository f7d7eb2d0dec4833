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

/**
 * Deletes the users of an Auth0 tenant (or of one of its connections) after the database purge has
 * committed; see docs/auth0.md for why in that order.
 *
 * <p>Auth0's search returns at most 1000 results per query, so users are listed in
 * {@link CreatedAtWindow created_at windows} that each hold fewer, and deleted one by one. Deleted
 * users are gone, so a rerun simply continues where a failed run stopped; a 404 on delete counts as
 * already deleted.
 */
public final class Auth0UserPurge {
  /** Passes over the tenant: later passes catch users the eventually consistent search showed late. */
  static final int MAX_PASSES = 5;

  private final Auth0Client client;
  private final String connection;
  private final String filter;
  private final Duration passPause;
  private final Instant stopAt;
  private long before = -1;

  /**
   * @param connection only users with an identity in this connection, or null for every user
   * @param passPause pause before a second pass, giving Auth0's search index time to catch up
   * @param stopAt when to stop deleting and report what remains (before a Job deadline ends the
   *     process without a result), or null for no limit
   */
  public Auth0UserPurge(Auth0Client client, String connection, Duration passPause, Instant stopAt) {
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

  /**
   * Before anything is deleted anywhere: proves the credentials work, that the client holds the
   * scopes it needs, and counts the users. A failure here stops the purge with nothing deleted.
   */
  public long preflight(boolean deleting) {
    try {
      Set<String> missing = new LinkedHashSet<>(deleting ? List.of("read:users", "delete:users") : List.of("read:users"));
      missing.removeAll(client.scopes());
      if (!missing.isEmpty()) {
        throw new Auth0Exception("the application's token lacks the scopes " + String.join(", ", missing)
            + ": grant them to the application on the Auth0 Management API.", 403);
      }
      before = count();
      return before;
    } catch (Auth0Exception e) {
      throw new PurgeException(FailureReason.Auth0Failed, "Auth0 tenant " + client.domain() + ": " + e.getMessage()
          + " Nothing was deleted, neither in the database nor in Auth0.", e);
    }
  }

  /** The scope check of {@link #preflight} alone: a selective purge deletes known users, it counts none up front. */
  public void preflightScopes(boolean deleting) {
    try {
      Set<String> missing = new LinkedHashSet<>(deleting ? List.of("read:users", "delete:users") : List.of("read:users"));
      missing.removeAll(client.scopes());
      if (!missing.isEmpty()) {
        throw new Auth0Exception("the application's token lacks the scopes " + String.join(", ", missing)
            + ": grant them to the application on the Auth0 Management API.", 403);
      }
    } catch (Auth0Exception e) {
      throw new PurgeException(FailureReason.Auth0Failed, "Auth0 tenant " + client.domain() + ": " + e.getMessage()
          + " Nothing was deleted, neither in the database nor in Auth0.", e);
    }
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
    long deleted = 0;
    long gone = 0;
    String error = null;
    try {
      for (String identity : identities) {
        if (stopAt != null && client.clock().instant().isAfter(stopAt)) {
          throw new Auth0Exception("stopped at the time limit (--auth0-time-limit) so that the result is"
              + " written before the Job's deadline.", 0);
        }
        List<String> ids = email ? client.users(emailQuery(identity), 0, Auth0Client.MAX_PER_PAGE, null).users()
            .stream().map(Auth0Client.User::id).toList() : List.of(identity);
        if (ids.isEmpty()) gone++;
        for (String id : ids) {
          if (client.delete(id)) deleted++; else gone++;
        }
      }
    } catch (Auth0Exception e) {
      error = e.getMessage();
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

  /** Deletes every matching user, in passes until none is listed, a pass deletes nothing, or a call fails. */
  public Outcome deleteAll(long before) {
    long deleted = 0;
    long gone = 0;
    try {
      for (int pass = 1; ; pass++) {
        if (pass > 1 && !passPause.isZero()) client.sleeper().sleep(passPause);
        List<Counted> windows = windows();
        long listed = windows.stream().mapToLong(Counted::total).sum();
        if (listed == 0 || pass > MAX_PASSES) return new Outcome(before, deleted, gone, listed, null);
        long progress = 0;
        for (Counted w : windows) {
          for (String id : ids(w)) {
            if (stopAt != null && client.clock().instant().isAfter(stopAt)) {
              throw new Auth0Exception("stopped at the time limit (--auth0-time-limit) so that the result is"
                  + " written before the Job's deadline.", 0);
            }
            if (client.delete(id)) deleted++; else gone++;
            progress++;
          }
        }
        if (progress == 0) return new Outcome(before, deleted, gone, listed, null);
      }
    } catch (Auth0Exception | InterruptedException e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      Long after;
      try {
        after = count();
      } catch (RuntimeException countFailed) {
        after = null;
      }
      return new Outcome(before, deleted, gone, after, e.getMessage());
    }
  }

  /** Windows covering every matching user, each small enough to be listed whole. */
  List<Counted> windows() {
    List<Counted> result = new ArrayList<>();
    Instant oldest = edge("created_at:1");
    Instant newest = edge("created_at:-1");
    if (oldest == null || newest == null) return result;
    Deque<CreatedAtWindow> todo = new ArrayDeque<>();
    todo.push(new CreatedAtWindow(oldest, newest.plusMillis(1)));
    while (!todo.isEmpty()) {
      CreatedAtWindow w = todo.pop();
      long total = client.users(w.query(filter), 0, 1, null).total();
      if (total == 0) continue;
      if (total >= Auth0Client.SEARCH_CAP && w.splittable()) {
        CreatedAtWindow[] halves = w.halves();
        todo.push(halves[1]);
        todo.push(halves[0]);
      } else {
        result.add(new Counted(w, total));
      }
    }
    return result;
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
