package io.datapurge.auth0;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * The few Auth0 Management API calls the purge needs: a client-credentials token, user search
 * (one page, with the capped total), user delete, and the users-export job (with the connection
 * lookup it needs). Every call waits for the rate limit, refreshes
 * an expired or rejected token once, and retries 5xx and network failures with backoff. Neither the
 * client secret nor the access token ever appears in an exception message or in {@link #toString()}.
 *
 * <p>A retry after a network failure or a 5xx carries {@value #ATTEMPT_HEADER}: 2, 3, …. Its first
 * try may have been carried out with the answer lost (a timeout), so a tenant's logs, a proxy or a
 * test can tell a repeated request from a new one. Deletes are safe to repeat: Auth0 answers 204 for a
 * user that is already gone.
 */
public final class Auth0Client {
  /** The try a request repeats, from 2 on; absent on a first try (and on repeats after a 429 or a 401). */
  public static final String ATTEMPT_HEADER = "X-Request-Attempt";
  /** Auth0 returns at most this many results for one search, whatever the paging. */
  public static final int SEARCH_CAP = 1000;
  public static final int MAX_PER_PAGE = 100;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the client secret comes from: the environment, never an argument. */
  public record Credentials(String clientId, String clientSecret) {
    @Override
    public String toString() {
      return "client " + clientId;
    }
  }

  /**
   * @param attempts tries per call for 5xx and network failures
   * @param backoff first pause between those tries, doubled each time
   * @param maxRateLimitWait longest single wait for the rate limit
   * @param maxRateLimited 429s tolerated per call before giving up
   */
  public record Tuning(int attempts, Duration backoff, Duration maxRateLimitWait, int maxRateLimited,
      Duration requestTimeout) {
    public static final Tuning DEFAULT =
        new Tuning(5, Duration.ofMillis(500), Duration.ofSeconds(60), 100, Duration.ofSeconds(30));
  }

  /** A user as the search returns it (only the fields the purge asks for). */
  public record User(String id, Instant createdAt) {}

  /** One page of a search and the total number of matches, which Auth0 caps at {@link #SEARCH_CAP}. */
  public record Page(long total, List<User> users) {}

  private final String domain;
  private final URI base;
  private final Credentials credentials;
  private final Tuning tuning;
  private final HttpClient http;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RateLimiter limiter;
  private String accessToken;
  private Instant tokenRefreshAt = Instant.MIN;
  private Set<String> scopes = Set.of();
  private int tokensFetched;

  /**
   * @param baseUrl where the API is served; null for production ({@code https://DOMAIN}). The token's
   *     audience is always {@code https://DOMAIN/api/v2/}, as Auth0 expects.
   */
  public Auth0Client(String domain, URI baseUrl, Credentials credentials, Tuning tuning) {
    this(domain, baseUrl, credentials, tuning, Clock.systemUTC(), Sleeper.REAL);
  }

  /** As above, with the clock that token lifetimes and rate-limit resets are read on, and how to wait. */
  public Auth0Client(String domain, URI baseUrl, Credentials credentials, Tuning tuning, Clock clock,
      Sleeper sleeper) {
    this.domain = domain;
    this.base = baseUrl != null ? baseUrl : URI.create("https://" + domain);
    this.credentials = credentials;
    this.tuning = tuning;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    this.clock = clock;
    this.sleeper = sleeper;
    this.limiter = new RateLimiter(tuning.maxRateLimitWait(), clock, sleeper);
  }

  Clock clock() {
    return clock;
  }

  Sleeper sleeper() {
    return sleeper;
  }

  public String domain() {
    return domain;
  }

  /** The request rate the client paces to, learnt from the tenant's rate-limit headers (0 while unknown). */
  public double pacedRatePerSecond() {
    return limiter.ratePerSecond();
  }

  public String audience() {
    return "https://" + domain + "/api/v2/";
  }

  /** The scopes granted to the client (fetches a token when none is held). */
  public synchronized Set<String> scopes() {
    token();
    return scopes;
  }

  /** How many tokens this client fetched (the first one and every refresh). */
  public synchronized int tokensFetched() {
    return tokensFetched;
  }

  /**
   * One page of {@code GET /api/v2/users} with search engine v3.
   *
   * @param query Lucene query, or null for every user
   * @param sort e.g. {@code created_at:1}, or null
   */
  public Page users(String query, int page, int perPage, String sort) {
    Map<String, String> params = new LinkedHashMap<>();
    if (query != null) params.put("q", query);
    params.put("search_engine", "v3");
    params.put("page", Integer.toString(page));
    params.put("per_page", Integer.toString(perPage));
    params.put("include_totals", "true");
    params.put("fields", "user_id,created_at");
    params.put("include_fields", "true");
    if (sort != null) params.put("sort", sort);
    URI uri = base.resolve("/api/v2/users?" + params.entrySet().stream()
        .map(e -> e.getKey() + "=" + encode(e.getValue())).collect(Collectors.joining("&")));
    HttpResponse<String> response = send(() -> HttpRequest.newBuilder(uri).GET(), true, "list users");
    if (response.statusCode() != 200) throw failure(response, "list users");
    JsonNode body = parse(response, "list users");
    List<User> users = new ArrayList<>();
    for (JsonNode u : body.path("users")) {
      String created = u.path("created_at").asText(null);
      users.add(new User(u.path("user_id").asText(), created == null ? null : Instant.parse(created)));
    }
    return new Page(body.path("total").asLong(users.size()), users);
  }

  /**
   * {@code DELETE /api/v2/users/{id}}: true when Auth0 answered 204, which it does for a user it deleted
   * and for one that no longer exists; false for a 404 (an older API's answer for a missing user).
   */
  public boolean delete(String userId) {
    URI uri = base.resolve("/api/v2/users/" + encode(userId));
    HttpResponse<String> response = send(() -> HttpRequest.newBuilder(uri).DELETE(), true, "delete user " + userId);
    if (response.statusCode() == 404) return false;
    if (response.statusCode() / 100 != 2) throw failure(response, "delete user " + userId);
    return true;
  }

  /**
   * {@code GET /api/v2/connections?name=NAME} (scope {@code read:connections}): the connection's id
   * ({@code con_…}), which the users-export job takes instead of its name; null when there is none.
   */
  public String connectionId(String name) {
    URI uri = base.resolve("/api/v2/connections?name=" + encode(name) + "&fields=id,name&include_fields=true");
    HttpResponse<String> response = send(() -> HttpRequest.newBuilder(uri).GET(), true, "look up connection " + name);
    if (response.statusCode() != 200) throw failure(response, "look up connection " + name);
    for (JsonNode c : parse(response, "look up connection " + name)) {
      if (name.equals(c.path("name").asText())) return c.path("id").asText(null);
    }
    return null;
  }

  /**
   * The user ids of a users-export job: {@code POST /api/v2/jobs/users-exports} (NDJSON, field
   * {@code user_id}, of {@code connectionId} or, when null, of the whole tenant), {@code GET
   * /api/v2/jobs/{id}} until it is completed (waiting what its {@code time_left_seconds} says, 1 to 30
   * s), then the gzipped file from the job's {@code location}: a signed URL on Auth0's export host,
   * fetched without the token and outside the Management API's rate limit. A snapshot: users created
   * after the job started may be missing.
   *
   * @param giveUpAt stop waiting for the job then (Auth0Exception), or null
   */
  public List<String> exportUserIds(String connectionId, Instant giveUpAt) {
    Map<String, Object> request = new LinkedHashMap<>();
    if (connectionId != null) request.put("connection_id", connectionId);
    request.put("format", "json");
    request.put("fields", List.of(Map.of("name", "user_id")));
    String body;
    try {
      body = JSON.writeValueAsString(request);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    URI create = base.resolve("/api/v2/jobs/users-exports");
    HttpResponse<String> created = send(() -> HttpRequest.newBuilder(create).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), true, "create a users-export job");
    if (created.statusCode() / 100 != 2) throw failure(created, "create a users-export job");
    String id = parse(created, "create a users-export job").path("id").asText("");
    if (id.isEmpty()) throw new Auth0Exception("Auth0 answered the users-export request without a job id.", 200);
    URI poll = base.resolve("/api/v2/jobs/" + encode(id));
    while (true) {
      HttpResponse<String> response = send(() -> HttpRequest.newBuilder(poll).GET(), true, "read job " + id);
      if (response.statusCode() != 200) throw failure(response, "read job " + id);
      JsonNode job = parse(response, "read job " + id);
      String status = job.path("status").asText("");
      if (status.equals("completed")) return download(id, job.path("location").asText(""));
      if (status.equals("failed")) {
        throw new Auth0Exception("Auth0's users-export job " + id + " failed (" + scrub(job.path("status_details")
            .asText("no details")) + ").", 200);
      }
      if (giveUpAt != null && clock.instant().isAfter(giveUpAt)) {
        throw new Auth0Exception("stopped at the time limit (--auth0-time-limit) while users-export job " + id
            + " was " + status + ".", 0);
      }
      long seconds = Math.max(1, Math.min(30, job.path("time_left_seconds").asLong(1)));
      try {
        sleeper.sleep(Duration.ofSeconds(seconds));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Auth0Exception("Interrupted while waiting for users-export job " + id + ".", e);
      }
    }
  }

  /** The export file: gzipped NDJSON, one user per line. Retried like an API call; no token is sent. */
  private List<String> download(String job, String location) {
    if (location.isEmpty()) throw new Auth0Exception("Auth0 completed users-export job " + job + " without a location.", 200);
    URI uri = URI.create(location);
    String where = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()); // the query signs it
    for (int failures = 1; ; failures++) {
      try {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).timeout(tuning.requestTimeout())
            .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
          if (response.statusCode() == 200) return userIds(in);
          if (response.statusCode() < 500 || failures >= tuning.attempts()) {
            throw new Auth0Exception("Downloading users-export job " + job + "'s file from " + where + " answered "
                + response.statusCode() + ": the purge Job must be allowed to reach " + where + " too.", response.statusCode());
          }
        }
      } catch (IOException e) {
        if (failures >= tuning.attempts()) {
          throw new Auth0Exception("Could not download users-export job " + job + "'s file from " + where + " after "
              + failures + " attempts (" + e.getClass().getSimpleName() + "): the purge Job must be allowed to reach "
              + where + " too.", e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Auth0Exception("Interrupted while downloading users-export job " + job + ".", e);
      }
      pause(failures);
    }
  }

  private static List<String> userIds(InputStream gzipped) throws IOException {
    List<String> ids = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(new GZIPInputStream(gzipped),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isBlank()) continue;
        String id = JSON.readTree(line).path("user_id").asText("");
        if (!id.isEmpty()) ids.add(id);
      }
    }
    return ids;
  }

  private synchronized String token() {
    if (accessToken != null && clock.instant().isBefore(tokenRefreshAt)) return accessToken;
    Map<String, String> request = Map.of("grant_type", "client_credentials", "client_id", credentials.clientId(),
        "client_secret", credentials.clientSecret(), "audience", audience());
    String body;
    try {
      body = JSON.writeValueAsString(request);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    URI uri = base.resolve("/oauth/token");
    HttpResponse<String> response = send(() -> HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)), false, "get a Management API token");
    if (response.statusCode() == 401 || response.statusCode() == 403) {
      throw new Auth0Exception("Auth0 refused the client credentials of " + credentials + " (" + describe(response)
          + "): check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET and that the application is authorized for the"
          + " Management API " + audience() + ".", response.statusCode());
    }
    if (response.statusCode() != 200) throw failure(response, "get a Management API token");
    JsonNode json = parse(response, "get a Management API token");
    String token = json.path("access_token").asText("");
    if (token.isEmpty()) throw new Auth0Exception("Auth0 answered the token request without an access_token.", 200);
    long lifetime = json.path("expires_in").asLong(3600);
    accessToken = token;
    // Refresh before expiry (a long purge outlives a token); a 401 still triggers one refresh.
    tokenRefreshAt = clock.instant().plusSeconds(lifetime - Math.min(60, lifetime / 2));
    scopes = Set.of(json.path("scope").asText("").split(" "));
    tokensFetched++;
    return accessToken;
  }

  private synchronized void dropToken(String rejected) {
    if (rejected.equals(accessToken)) accessToken = null;
  }

  private HttpResponse<String> send(Supplier<HttpRequest.Builder> request, boolean authenticated, String what) {
    int failures = 0;
    int limited = 0;
    boolean refreshed = false;
    while (true) {
      String token = authenticated ? token() : null;
      HttpRequest.Builder builder = request.get().timeout(tuning.requestTimeout()).header("Accept", "application/json");
      if (token != null) builder.header("Authorization", "Bearer " + token);
      if (failures > 0) builder.header(ATTEMPT_HEADER, Integer.toString(failures + 1));
      HttpResponse<String> response;
      long ticket = -1;
      try {
        if (authenticated) ticket = limiter.acquire(); // the token endpoint has limits of its own
        response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        if (ticket >= 0) limiter.abandon(ticket);
        if (++failures >= tuning.attempts()) {
          throw new Auth0Exception("Could not " + what + " at " + base + " after " + failures + " attempts ("
              + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + scrub(e.getMessage()))
              + "): check the domain and that the Job may reach it.", e);
        }
        pause(failures);
        continue;
      } catch (InterruptedException e) {
        if (ticket >= 0) limiter.abandon(ticket);
        Thread.currentThread().interrupt();
        throw new Auth0Exception("Interrupted while trying to " + what + ".", e);
      }
      int status = response.statusCode();
      if (authenticated) limiter.observe(ticket, status, response.headers());
      if (status == 429) {
        if (++limited > tuning.maxRateLimited()) {
          throw new Auth0Exception("Auth0 kept rate-limiting the request to " + what + " (" + limited
              + " times 429); try again later or raise the tenant's rate limit.", status);
        }
        if (!authenticated) pause(1);
        continue;
      }
      if (status == 401 && authenticated && !refreshed) {
        // An expired or revoked token: fetch a new one and repeat the request once.
        dropToken(token);
        refreshed = true;
        continue;
      }
      if (status == 401 && authenticated) {
        throw new Auth0Exception("Auth0 rejected a freshly issued token when trying to " + what + " ("
            + describe(response) + ").", status);
      }
      if (status >= 500) {
        if (++failures >= tuning.attempts()) return response;
        pause(failures);
        continue;
      }
      return response;
    }
  }

  private void pause(int failures) {
    try {
      sleeper.sleep(tuning.backoff().multipliedBy(1L << Math.min(failures - 1, 6)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Auth0Exception("Interrupted while waiting to retry.", e);
    }
  }

  private Auth0Exception failure(HttpResponse<String> response, String what) {
    String hint = response.statusCode() == 403
        ? " The application lacks a scope: grant it read:users and delete:users (and read:connections for a"
            + " connection's users-export) on the Management API." : "";
    return new Auth0Exception("Auth0 answered " + response.statusCode() + " when trying to " + what + " ("
        + describe(response) + ")." + hint, response.statusCode());
  }

  private JsonNode parse(HttpResponse<String> response, String what) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new Auth0Exception("Auth0 answered the request to " + what + " with something that is not JSON.",
          response.statusCode());
    }
  }

  /** The error Auth0 sent, short and without secrets. */
  private String describe(HttpResponse<String> response) {
    String text = response.body() == null ? "" : response.body();
    try {
      JsonNode json = JSON.readTree(text);
      String error = json.path("error").asText("");
      String message = json.hasNonNull("message") ? json.path("message").asText()
          : json.path("error_description").asText("");
      text = error.isEmpty() ? message : message.isEmpty() ? error : error + ": " + message;
    } catch (IOException | RuntimeException e) {
      // not JSON: keep the raw text
    }
    text = scrub(text.strip());
    return text.length() > 200 ? text.substring(0, 200) + "…" : text.isEmpty() ? "no details" : text;
  }

  private synchronized String scrub(String text) {
    String s = credentials.clientSecret().isEmpty() ? text : text.replace(credentials.clientSecret(), "********");
    return accessToken == null || accessToken.isEmpty() ? s : s.replace(accessToken, "********");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public String toString() {
    return "Auth0 " + domain + " (" + credentials + ")";
  }
}
