package io.datapurge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.datapurge.auth0.Auth0Client;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * A local stand-in for one Auth0 tenant's Management API, following its documented behaviour where
 * the purge depends on it:
 *
 * <ul>
 *   <li>{@code POST /oauth/token}, client credentials: 401 {@code access_denied} for a wrong client,
 *       403 for a wrong audience; tokens expire (then every call answers 401 "Expired token").
 *   <li>{@code GET /api/v2/users} with {@code search_engine=v3}: {@code q} understands the terms the
 *       purge sends ({@code identities.connection:"…"}, {@code created_at:[A TO B}}, joined by AND);
 *       {@code total} is capped at 1000 and paging past the first 1000 results is a 400.
 *   <li>{@code DELETE /api/v2/users/{id}}: 204, also for a user that does not exist (Auth0 answers
 *       so; {@link #missingUsersAnswer404} restores the older 404 {@code inexistent_user}).
 *   <li>Search is eventually consistent: with {@link #searchLag} a deleted user is still listed (and
 *       counted) for that long.
 *   <li>Rate limit, as Auth0 documents it: a token bucket of {@code burst} tokens refilled at
 *       {@code perSecond}; every API request takes one; every API response carries
 *       {@code X-RateLimit-Limit} (the bucket's size), {@code X-RateLimit-Remaining} (whole tokens
 *       left) and {@code X-RateLimit-Reset} (epoch seconds, rounded up, when the bucket is full again);
 *       a request finding no whole token is answered 429 and does nothing.
 *   <li>{@link #latency}: each request waits half of it before it is handled (and counted against the
 *       bucket) and half after, like a round trip to a distant tenant.
 *   <li>{@code GET /api/v2/connections?name=…} (scope {@code read:connections}): the connection, with
 *       its {@code con_…} id, of every connection a user belongs to.
 *   <li>Users-export job: {@code POST /api/v2/jobs/users-exports} (scope {@code read:users};
 *       {@code connection_id} optional, matching {@code ^con_[A-Za-z0-9]{16}$}, absent: every user;
 *       {@code format} json or csv; {@code fields}) answers 201 with the job, status {@code pending}.
 *       {@code GET /api/v2/jobs/{id}} answers it {@code pending}, then {@code processing} with
 *       {@code percentage_done} and {@code time_left_seconds}, then, {@link #exportTime} after its
 *       creation, {@code completed} with {@code location}: a signed URL (expiring {@link
 *       #EXPORT_LINK_LIFETIME} after that answer) of a gzipped file, NDJSON for json, outside
 *       {@code /api/v2} (Auth0 serves it from its export host): no token, no rate limit. The users are
 *       those of the job's creation (a snapshot). Both API calls take a token of the bucket like any.
 * </ul>
 *
 * Faults and counters let tests drive and observe what a real tenant would do.
 */
public final class FakeAuth0 implements AutoCloseable {
  public static final int SEARCH_CAP = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);
  private static final Pattern RANGE = Pattern.compile("created_at:([\\[{])(\\S+) TO (\\S+)([\\]}])");
  private static final Pattern CONNECTION = Pattern.compile("identities\\.connection:\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern EMAIL = Pattern.compile("email:\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** A user as the tenant stores it. */
  public record User(String id, Instant createdAt, String connection) {
    /** Every user has an address of its own, derived from its id (searchable as {@code email:"…"}). */
    public String email() {
      return id.substring(id.indexOf('|') + 1) + "@users.example.test";
    }
  }

  private record Token(Set<String> scopes, Instant expires) {}

  private record ExportJob(String id, String connectionId, String format, List<String> fields, List<User> users,
      Instant created, Instant done, String createdAt, String failure) {}

  /** How long a completed export's location stays valid. */
  public static final Duration EXPORT_LINK_LIFETIME = Duration.ofMinutes(10);

  private final Clock clock;
  private final String domain;
  private final String clientId;
  private final String clientSecret;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-auth0");
    t.setDaemon(true);
    return t;
  });
  /** Deleted users still listed by the search, and until when. */
  private final Map<String, Instant> lagging = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger concurrent = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger mostConcurrent = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicReference<Instant> firstDeleteAt =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final Map<String, User> laggingUsers = new ConcurrentHashMap<>();
  private final Map<String, Integer> deletesPerUser = new ConcurrentHashMap<>();
  private final List<String> repeats = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, User> users = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, ExportJob> exports = new ConcurrentHashMap<>();
  private volatile Duration exportBase = Duration.ofSeconds(2);
  private volatile Duration exportPerThousand = Duration.ofMillis(100);
  private int exportDownloads;
  private int downloadsWithToken;
  private volatile int signUpsDuringExport;
  private volatile String failNextExport;

  private volatile Duration tokenLifetime = Duration.ofHours(24);
  private volatile String grantedScopes = "read:users delete:users read:connections";
  private int burst; // bucket size; 0 = unlimited
  private double refillPerMilli;
  private double bucketTokens;
  private long bucketAt;
  private volatile Duration latency = Duration.ZERO;
  private volatile Duration searchLag = Duration.ZERO;
  private volatile boolean missing404;
  private volatile int expireTokensAfterRequests = -1;
  private volatile int failDeletesWith;
  private final java.util.concurrent.atomic.AtomicBoolean loseNextDeleteAnswer = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile int deleteOnNextList;
  private volatile boolean echoCredentialsInErrors;


  private int tokensIssued;
  private int rateLimited;
  private int expiredRejections;
  private int deleted;
  private int notFound;
  private int pagingRefusals;

  public FakeAuth0(String domain, String clientId, String clientSecret) {
    this(domain, clientId, clientSecret, Clock.systemUTC());
  }

  /** A tenant whose rate-limit windows and token expiry follow {@code clock} (e.g. a {@link ManualClock}). */
  public FakeAuth0(String domain, String clientId, String clientSecret, Clock clock) {
    this.clock = clock;
    this.domain = domain;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    try {
      // Where PostgreSQL listens (PGHOST): on the cluster's bridge address when hack/pg.sh found
      // the pod network, so purge pods reach this server too; 127.0.0.1 otherwise.
      server = HttpServer.create(new InetSocketAddress(PostgresServer.host(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  public URI baseUrl() {
    return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort());
  }

  public String domain() {
    return domain;
  }

  // ---- the tenant's users

  /** Adds {@code n} users of {@code connection}, created {@code step} apart from {@code first}. */
  public List<User> addUsers(int n, String connection, Instant first, Duration step) {
    List<User> added = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      User u = new User(provider(connection) + "|" + UUID.randomUUID().toString().replace("-", ""),
          first.plus(step.multipliedBy(i)).truncatedTo(ChronoUnit.MILLIS), connection);
      users.put(u.id(), u);
      added.add(u);
    }
    return added;
  }

  public int userCount() {
    return users.size();
  }

  public long userCount(String connection) {
    synchronized (users) {
      return users.values().stream().filter(u -> u.connection().equals(connection)).count();
    }
  }

  public boolean exists(String id) {
    return users.containsKey(id);
  }

  public void remove(String id) {
    users.remove(id);
  }

  // ---- behaviour switches

  public FakeAuth0 tokenLifetime(Duration lifetime) {
    this.tokenLifetime = lifetime;
    return this;
  }

  public FakeAuth0 grantedScopes(String scopes) {
    this.grantedScopes = scopes;
    return this;
  }

  /** A token bucket of {@code burst} requests, refilled at {@code perSecond}, starting full. */
  public synchronized FakeAuth0 rateLimit(int burst, double perSecond) {
    this.burst = burst;
    this.refillPerMilli = perSecond / 1000;
    this.bucketTokens = burst;
    this.bucketAt = clock.millis();
    return this;
  }

  /** Someone else (another app of the tenant) takes every token left in the bucket, now. */
  public synchronized FakeAuth0 bucketExhaustedByOthers() {
    refill(clock.millis());
    bucketTokens = 0;
    return this;
  }

  /** Each request takes this long: half before it is handled, half after (real time). */
  public FakeAuth0 latency(Duration latency) {
    this.latency = latency;
    return this;
  }

  /** A deleted user stays listed by the search (and counted in its totals) for this long. */
  public FakeAuth0 searchLag(Duration lag) {
    this.searchLag = lag;
    return this;
  }

  /** Deleting a user that does not exist answers 404 {@code inexistent_user} (not what Auth0 does now). */
  public FakeAuth0 missingUsersAnswer404() {
    this.missing404 = true;
    return this;
  }

  /** Every token issued so far expires after {@code n} more API requests. */
  public FakeAuth0 expireTokensAfter(int n) {
    this.expireTokensAfterRequests = n;
    return this;
  }

  /** A users-export job completes {@code base} plus {@code perThousandUsers} per 1000 users after its creation. */
  public FakeAuth0 exportTime(Duration base, Duration perThousandUsers) {
    this.exportBase = base;
    this.exportPerThousand = perThousandUsers;
    return this;
  }

  /** Right after the next export job took its snapshot, {@code n} users sign up (created now: missing from it). */
  public FakeAuth0 signUpsDuringNextExport(int n) {
    this.signUpsDuringExport = n;
    return this;
  }

  /** The next export job ends {@code failed} with these {@code status_details}. */
  public FakeAuth0 failNextExport(String details) {
    this.failNextExport = details;
    return this;
  }

  /** The next delete is carried out, but the connection closes before its answer (as when the client timed out). */
  public FakeAuth0 loseNextDeleteAnswer() {
    loseNextDeleteAnswer.set(true);
    return this;
  }

  /** Every delete answers {@code status} (e.g. 500) from now on; 0 restores normal deletes. */
  public FakeAuth0 failDeletesWith(int status) {
    this.failDeletesWith = status;
    return this;
  }

  /** Right after answering the next listing, another admin deletes {@code n} of the users it returned. */
  public FakeAuth0 othersDeleteAfterNextList(int n) {
    this.deleteOnNextList = n;
    return this;
  }

  /** A refused token request's error repeats what was sent, secret included (as a careless proxy might). */
  public FakeAuth0 echoCredentialsInErrors() {
    this.echoCredentialsInErrors = true;
    return this;
  }

  // ---- what happened

  public synchronized int tokensIssued() {
    return tokensIssued;
  }

  public synchronized int rateLimited() {
    return rateLimited;
  }

  public synchronized int expiredRejections() {
    return expiredRejections;
  }

  public synchronized int deleted() {
    return deleted;
  }

  public synchronized int notFound() {
    return notFound;
  }

  public synchronized int pagingRefusals() {
    return pagingRefusals;
  }

  /** Users-export jobs created. */
  public int exportJobs() {
    return exports.size();
  }

  /** Export files downloaded. */
  public synchronized int exportDownloads() {
    return exportDownloads;
  }

  /** Export file requests that carried an Authorization header (the token must stay with the API). */
  public synchronized int downloadsWithToken() {
    return downloadsWithToken;
  }

  /** Requests to the Management API ({@code /api/v2/…}), 429s included. */
  public long apiRequests() {
    return requests().stream().filter(r -> r.contains(" /api/v2/")).count();
  }

  /** The id {@code GET /api/v2/connections} gives the connection {@code name}. */
  public static String connectionId(String name) {
    String hex = UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
    return "con_" + hex.substring(0, 16);
  }

  /** DELETE requests of {@code id} that were handled (not answered 429), the client's repeats not counted. */
  public int deleteRequests(String id) {
    return deletesPerUser.getOrDefault(id, 0);
  }

  /** When the first DELETE was handled, or null. */
  public Instant firstDeleteAt() {
    return firstDeleteAt.get();
  }

  /** The most requests handled at the same time. */
  public int mostConcurrent() {
    return mostConcurrent.get();
  }

  /**
   * The most DELETE requests the purge made for one user: handled ones, not counting the client's
   * repeats ({@link Auth0Client#ATTEMPT_HEADER}) of a request whose answer was lost or was a 5xx.
   */
  public int mostDeletesOfOneUser() {
    return deletesPerUser.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** Requests the client marked as repeats, as "METHOD path #attempt" ({@link Auth0Client#ATTEMPT_HEADER}). */
  public List<String> repeats() {
    synchronized (repeats) {
      return List.copyOf(repeats);
    }
  }

  /** "METHOD path?query" of every request, in order (the token request's body is not kept). */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- HTTP

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      pause(latency.dividedBy(2)); // on the way in; the other half before the response (respond)
      route(ex);
    }
  }

  private static void pause(Duration d) {
    if (d.isZero()) return;
    try {
      Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    mostConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
    try {
      String path = ex.getRequestURI().getRawPath();
      requests.add(ex.getRequestMethod() + " " + path
          + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
      String attempt = ex.getRequestHeaders().getFirst(Auth0Client.ATTEMPT_HEADER);
      if (attempt != null) {
        repeats.add(ex.getRequestMethod() + " " + path + " #" + attempt);
        System.err.println("fake-auth0: " + ex.getRequestMethod() + " " + path + " repeated by the client ("
            + Auth0Client.ATTEMPT_HEADER + ": " + attempt + ")");
      }
      if (path.equals("/oauth/token") && ex.getRequestMethod().equals("POST")) {
        token(ex);
        return;
      }
      if (path.startsWith("/user-exports/") && ex.getRequestMethod().equals("GET")) {
        exportFile(ex, path);
        return;
      }
      if (!path.startsWith("/api/v2/")) {
        send(ex, 404, error(404, "Not Found", "Not Found", null));
        return;
      }
      if (!rateLimitAllows(ex)) return;
      Token token = authenticate(ex);
      if (token == null) return;
      if (path.equals("/api/v2/users") && ex.getRequestMethod().equals("GET")) {
        if (requireScope(ex, token, "read:users")) listUsers(ex);
      } else if (path.equals("/api/v2/connections") && ex.getRequestMethod().equals("GET")) {
        if (requireScope(ex, token, "read:connections")) connections(ex);
      } else if (path.equals("/api/v2/jobs/users-exports") && ex.getRequestMethod().equals("POST")) {
        if (requireScope(ex, token, "read:users")) createExport(ex);
      } else if (path.startsWith("/api/v2/jobs/") && ex.getRequestMethod().equals("GET")) {
        if (requireScope(ex, token, "read:users")) job(ex, path.substring("/api/v2/jobs/".length()));
      } else if (path.startsWith("/api/v2/users/") && ex.getRequestMethod().equals("DELETE")) {
        if (requireScope(ex, token, "delete:users")) deleteUser(ex, URLDecoder.decode(
            path.substring("/api/v2/users/".length()), StandardCharsets.UTF_8));
      } else {
        send(ex, 404, error(404, "Not Found", "Not Found", null));
      }
    } catch (RuntimeException e) {
      send(ex, 500, error(500, "Internal Server Error", String.valueOf(e), null));
    } finally {
      concurrent.decrementAndGet();
    }
  }

  private void token(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> form = new HashMap<>();
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type != null && type.startsWith("application/json")) {
      JSON.readTree(body).fields().forEachRemaining(e -> form.put(e.getKey(), e.getValue().asText()));
    } else {
      form.putAll(query(body));
    }
    if (!"client_credentials".equals(form.get("grant_type"))) {
      send(ex, 403, oauthError("unsupported_grant_type", "Unsupported grant type: " + form.get("grant_type")));
    } else if (!clientId.equals(form.get("client_id")) || !clientSecret.equals(form.get("client_secret"))) {
      send(ex, 401, oauthError("access_denied", echoCredentialsInErrors ? "Unauthorized: " + body : "Unauthorized"));
    } else if (!("https://" + domain + "/api/v2/").equals(form.get("audience"))) {
      send(ex, 403, oauthError("access_denied", "Service not enabled within domain: " + form.get("audience")));
    } else {
      String value = UUID.randomUUID() + "." + UUID.randomUUID();
      tokens.put(value, new Token(Set.of(grantedScopes.split(" ")), clock.instant().plus(tokenLifetime)));
      synchronized (this) {
        tokensIssued++;
      }
      ObjectNode json = JSON.createObjectNode().put("access_token", value).put("scope", grantedScopes)
          .put("expires_in", tokenLifetime.toSeconds()).put("token_type", "Bearer");
      send(ex, 200, json);
    }
  }

  private synchronized boolean rateLimitAllows(HttpExchange ex) throws IOException {
    long now = clock.millis();
    if (burst > 0) {
      refill(now);
      boolean over = bucketTokens < 1;
      if (!over) bucketTokens -= 1;
      long fullAt = now + (long) Math.ceil((burst - bucketTokens) / refillPerMilli);
      ex.getResponseHeaders().set("X-RateLimit-Limit", Integer.toString(burst));
      ex.getResponseHeaders().set("X-RateLimit-Remaining", Long.toString((long) Math.floor(bucketTokens)));
      ex.getResponseHeaders().set("X-RateLimit-Reset", Long.toString(Math.floorDiv(fullAt + 999, 1000)));
      if (over) {
        rateLimited++;
        send(ex, 429, error(429, "Too Many Requests", "Global limit has been reached", "too_many_requests"));
        return false;
      }
    }
    if (expireTokensAfterRequests > 0 && --expireTokensAfterRequests == 0) {
      tokens.replaceAll((k, t) -> new Token(t.scopes(), Instant.EPOCH));
    }
    return true;
  }

  private void refill(long now) {
    if (now > bucketAt) {
      bucketTokens = Math.min(burst, bucketTokens + refillPerMilli * (now - bucketAt));
      bucketAt = now;
    }
  }

  private Token authenticate(HttpExchange ex) throws IOException {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    Token token = header == null || !header.startsWith("Bearer ") ? null : tokens.get(header.substring(7));
    if (token == null) {
      send(ex, 401, error(401, "Unauthorized", "Invalid token", null));
      return null;
    }
    if (!clock.instant().isBefore(token.expires())) {
      synchronized (this) {
        expiredRejections++;
      }
      ObjectNode body = error(401, "Unauthorized", "Expired token received for JSON Web Token validation", null);
      body.putObject("attributes").put("error", "Expired token received for JSON Web Token validation");
      send(ex, 401, body);
      return null;
    }
    return token;
  }

  private boolean requireScope(HttpExchange ex, Token token, String scope) throws IOException {
    if (token.scopes().contains(scope)) return true;
    send(ex, 403, error(403, "Forbidden", "Insufficient scope, expected any of: " + scope, "insufficient_scope"));
    return false;
  }

  private void listUsers(HttpExchange ex) throws IOException {
    Map<String, String> params = query(ex.getRequestURI().getRawQuery());
    if (params.containsKey("q") && !"v3".equals(params.get("search_engine"))) {
      send(ex, 400, error(400, "Bad Request", "search_engine must be v3", "invalid_query_string"));
      return;
    }
    int perPage = Integer.parseInt(params.getOrDefault("per_page", "50"));
    int page = Integer.parseInt(params.getOrDefault("page", "0"));
    if (perPage < 0 || perPage > 100) {
      send(ex, 400, error(400, "Bad Request",
          "Query validation error: 'per_page' must be lower or equal to 100", "invalid_query_string"));
      return;
    }
    if ((long) (page + 1) * perPage > SEARCH_CAP) {
      synchronized (this) {
        pagingRefusals++;
      }
      send(ex, 400, error(400, "Bad Request", "You can only page through the first 1000 records."
          + " See https://auth0.com/docs/users/search/v3/view-search-results-by-page", "invalid_paging"));
      return;
    }
    Predicate<User> match;
    try {
      match = parse(params.get("q"));
    } catch (IllegalArgumentException e) {
      send(ex, 400, error(400, "Bad Request", e.getMessage(), "invalid_query_string"));
      return;
    }
    List<User> found;
    Instant now = clock.instant();
    lagging.entrySet().removeIf(e -> {
      boolean caughtUp = !now.isBefore(e.getValue());
      if (caughtUp) laggingUsers.remove(e.getKey());
      return caughtUp;
    });
    synchronized (users) {
      found = java.util.stream.Stream.concat(users.values().stream(), laggingUsers.values().stream())
          .filter(match).toList();
    }
    String sort = params.get("sort");
    if (sort != null) {
      Comparator<User> byCreated = Comparator.comparing(User::createdAt).thenComparing(User::id);
      found = found.stream().sorted(sort.equals("created_at:-1") ? byCreated.reversed() : byCreated).toList();
    }
    int from = Math.min(page * perPage, found.size());
    List<User> slice = found.subList(from, Math.min(from + perPage, found.size()));
    ArrayNode list = JSON.createArrayNode();
    for (User u : slice) {
      ObjectNode n = list.addObject().put("user_id", u.id()).put("email", u.email())
          .put("created_at", TIMESTAMP.format(u.createdAt()));
      n.putArray("identities").addObject().put("connection", u.connection()).put("provider", provider(u.connection()))
          .put("user_id", u.id().substring(u.id().indexOf('|') + 1)).put("isSocial", false);
    }
    if ("true".equals(params.get("include_totals"))) {
      ObjectNode body = JSON.createObjectNode().put("start", page * perPage).put("limit", perPage)
          .put("length", slice.size()).put("total", Math.min(found.size(), SEARCH_CAP));
      body.set("users", list);
      send(ex, 200, body);
    } else {
      send(ex, 200, list);
    }
    if (deleteOnNextList > 0 && slice.size() > 1) {
      slice.stream().limit(deleteOnNextList).forEach(u -> users.remove(u.id()));
      deleteOnNextList = 0;
    }
  }

  private void deleteUser(HttpExchange ex, String id) throws IOException {
    if (failDeletesWith != 0) {
      send(ex, failDeletesWith, error(failDeletesWith, "Internal Server Error", "Internal error", null));
      return;
    }
    // A repeat is the client's, of a request whose answer it lost (a timeout on a loaded machine) or
    // that got a 5xx: the purge did not ask twice, so it is not a second delete of the user.
    if (!ex.getRequestHeaders().containsKey(Auth0Client.ATTEMPT_HEADER)) deletesPerUser.merge(id, 1, Integer::sum);
    firstDeleteAt.compareAndSet(null, clock.instant());
    User removed = users.remove(id);
    if (removed == null) {
      synchronized (this) {
        notFound++;
      }
      if (missing404) {
        send(ex, 404, error(404, "Not Found", "The user does not exist.", "inexistent_user"));
        return;
      }
    } else {
      synchronized (this) {
        deleted++;
      }
      if (!searchLag.isZero()) {
        lagging.put(id, clock.instant().plus(searchLag));
        laggingUsers.put(id, removed);
      }
    }
    pause(latency.minus(latency.dividedBy(2)));
    if (loseNextDeleteAnswer.compareAndSet(true, false)) throw new IOException("the answer is lost"); // the server closes the connection
    ex.sendResponseHeaders(204, -1);
  }

  private void connections(HttpExchange ex) throws IOException {
    String name = query(ex.getRequestURI().getRawQuery()).get("name");
    ArrayNode list = JSON.createArrayNode();
    Set<String> names;
    synchronized (users) {
      names = new java.util.TreeSet<>(users.values().stream().map(User::connection).toList());
    }
    for (String n : names) {
      if (name != null && !name.equals(n)) continue;
      list.addObject().put("id", connectionId(n)).put("name", n).put("strategy", provider(n));
    }
    send(ex, 200, list);
  }

  private void createExport(HttpExchange ex) throws IOException {
    JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
    String connectionId = body.hasNonNull("connection_id") ? body.get("connection_id").asText() : null;
    String format = body.path("format").asText("csv");
    if (connectionId != null && !connectionId.matches("^con_[A-Za-z0-9]{16}$")) {
      send(ex, 400, error(400, "Bad Request", "Payload validation error: 'String does not match pattern"
          + " ^con_[A-Za-z0-9]{16}$' on property connection_id.", "invalid_body"));
      return;
    }
    if (!format.equals("json") && !format.equals("csv")) {
      send(ex, 400, error(400, "Bad Request", "Payload validation error: 'No enum match for: " + format
          + "' on property format.", "invalid_body"));
      return;
    }
    List<String> fields = new ArrayList<>();
    body.path("fields").forEach(f -> fields.add(f.path("name").asText()));
    if (fields.isEmpty()) fields.addAll(List.of("user_id", "email", "created_at"));
    List<User> snapshot;
    synchronized (users) {
      snapshot = users.values().stream().filter(u -> connectionId == null || connectionId(u.connection())
          .equals(connectionId)).toList();
    }
    if (connectionId != null && snapshot.isEmpty() && userCount() > 0) {
      send(ex, 404, error(404, "Not Found", "The connection does not exist", "inexistent_connection"));
      return;
    }
    Instant now = clock.instant();
    Duration takes = exportBase.plus(exportPerThousand.multipliedBy(snapshot.size()).dividedBy(1000));
    String id = "job_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    ExportJob job = new ExportJob(id, connectionId, format, fields, snapshot, now, now.plus(takes), TIMESTAMP.format(now),
        failNextExport);
    failNextExport = null;
    exports.put(id, job);
    if (signUpsDuringExport > 0) {
      addUsers(signUpsDuringExport, snapshot.isEmpty() ? "Username-Password-Authentication" : snapshot.get(0).connection(),
          now, Duration.ofMillis(1));
      signUpsDuringExport = 0;
    }
    ObjectNode json = jobJson(job).put("status", "pending");
    json.put("limit", snapshot.size());
    ArrayNode f = json.putArray("fields");
    fields.forEach(n -> f.addObject().put("name", n));
    send(ex, 201, json);
  }

  private ObjectNode jobJson(ExportJob job) {
    ObjectNode json = JSON.createObjectNode().put("type", "users_export").put("id", job.id())
        .put("created_at", job.createdAt()).put("format", job.format());
    if (job.connectionId() != null) json.put("connection_id", job.connectionId());
    return json;
  }

  private void job(HttpExchange ex, String id) throws IOException {
    ExportJob job = exports.get(URLDecoder.decode(id, StandardCharsets.UTF_8));
    if (job == null) {
      send(ex, 404, error(404, "Not Found", "The job does not exist.", "inexistent_job"));
      return;
    }
    Instant now = clock.instant();
    ObjectNode json = jobJson(job);
    if (!now.isBefore(job.done()) && job.failure() != null) {
      json.put("status", "failed").put("status_details", job.failure());
    } else if (!now.isBefore(job.done())) {
      long expires = now.plus(EXPORT_LINK_LIFETIME).getEpochSecond();
      json.put("status", "completed").put("location", baseUrl() + "/user-exports/" + job.id() + "/"
          + domain.substring(0, domain.indexOf('.')) + "." + job.format() + ".gz?Expires=" + expires
          + "&Key-Pair-Id=FAKEKEYPAIR&Signature=" + UUID.nameUUIDFromBytes((job.id() + expires).getBytes(StandardCharsets.UTF_8)));
    } else {
      long total = Duration.between(job.created(), job.done()).toMillis();
      long elapsed = Duration.between(job.created(), now).toMillis();
      json.put("status", elapsed < total / 10 ? "pending" : "processing")
          .put("percentage_done", (int) (100 * elapsed / Math.max(1, total)))
          .put("time_left_seconds", (Duration.between(now, job.done()).toMillis() + 999) / 1000);
    }
    send(ex, 200, json);
  }

  private void exportFile(HttpExchange ex, String path) throws IOException {
    if (ex.getRequestHeaders().containsKey("Authorization")) {
      synchronized (this) {
        downloadsWithToken++;
      }
    }
    String[] parts = path.split("/");
    ExportJob job = parts.length == 4 ? exports.get(parts[2]) : null;
    Map<String, String> params = query(ex.getRequestURI().getRawQuery());
    long expires = Long.parseLong(params.getOrDefault("Expires", "0"));
    if (job == null || clock.instant().getEpochSecond() > expires || !params.containsKey("Signature")) {
      byte[] denied = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>"
          .getBytes(StandardCharsets.UTF_8);
      pause(latency.minus(latency.dividedBy(2)));
      ex.sendResponseHeaders(403, denied.length);
      ex.getResponseBody().write(denied);
      return;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      StringBuilder out = new StringBuilder();
      if (job.format().equals("csv")) out.append(String.join(",", job.fields())).append('\n');
      for (User u : job.users()) {
        Map<String, String> values = Map.of("user_id", u.id(), "email", u.email(), "created_at",
            TIMESTAMP.format(u.createdAt()));
        if (job.format().equals("csv")) {
          out.append(String.join(",", job.fields().stream().map(f -> values.getOrDefault(f, "")).toList())).append('\n');
        } else {
          ObjectNode line = JSON.createObjectNode();
          job.fields().forEach(f -> line.put(f, values.get(f)));
          out.append(JSON.writeValueAsString(line)).append('\n');
        }
      }
      gz.write(out.toString().getBytes(StandardCharsets.UTF_8));
    }
    synchronized (this) {
      exportDownloads++;
    }
    pause(latency.minus(latency.dividedBy(2)));
    ex.getResponseHeaders().set("Content-Type", "application/gzip");
    ex.sendResponseHeaders(200, bytes.size());
    try (OutputStream out = ex.getResponseBody()) {
      bytes.writeTo(out);
    }
  }

  /** The subset of the v3 query syntax the purge uses; anything else is refused like a bad query. */
  static Predicate<User> parse(String q) {
    Predicate<User> match = u -> true;
    if (q == null || q.isBlank()) return match;
    for (String term : q.split(" AND ")) {
      Matcher range = RANGE.matcher(term.strip());
      Matcher connection = CONNECTION.matcher(term.strip());
      if (range.matches()) {
        Instant from = Instant.parse(range.group(2));
        Instant to = Instant.parse(range.group(3));
        boolean fromIncl = range.group(1).equals("[");
        boolean toIncl = range.group(4).equals("]");
        match = match.and(u -> (fromIncl ? !u.createdAt().isBefore(from) : u.createdAt().isAfter(from))
            && (toIncl ? !u.createdAt().isAfter(to) : u.createdAt().isBefore(to)));
      } else if (connection.matches()) {
        String name = connection.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
        match = match.and(u -> u.connection().equals(name));
      } else if (EMAIL.matcher(term.strip()).matches()) {
        Matcher email = EMAIL.matcher(term.strip());
        email.matches();
        String address = email.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
        match = match.and(u -> u.email().equals(address));
      } else {
        throw new IllegalArgumentException("Query validation error: cannot parse '" + term + "'");
      }
    }
    return match;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new HashMap<>();
    if (raw == null || raw.isEmpty()) return params;
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      params.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return params;
  }

  private static String provider(String connection) {
    return connection.equals("google-oauth2") ? "google-oauth2" : "auth0";
  }

  private static ObjectNode error(int status, String error, String message, String code) {
    ObjectNode n = JSON.createObjectNode().put("statusCode", status).put("error", error).put("message", message);
    if (code != null) n.put("errorCode", code);
    return n;
  }

  private static ObjectNode oauthError(String error, String description) {
    return JSON.createObjectNode().put("error", error).put("error_description", description);
  }

  private void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    pause(latency.minus(latency.dividedBy(2)));
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
