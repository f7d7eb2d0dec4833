package io.datapurge.cli;

import io.datapurge.auth0.Auth0Client;
import io.datapurge.auth0.Auth0UserPurge;
import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import io.datapurge.purge.PurgeRequest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The purge's optional identity-provider half: the Auth0 tenant whose users are deleted after the
 * database commit. Client id and secret come from AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET only.
 */
public final class Auth0Options {
  static final Pattern HOST = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$");

  @Option(names = "--auth0-domain", paramLabel = "DOMAIN",
      description = "Also delete the users of this Auth0 tenant (e.g. my-tenant.eu.auth0.com) once the database"
          + " purge has committed; dry run: count only. Credentials from env AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET.")
  String domain;

  @Option(names = "--auth0-connection", paramLabel = "NAME",
      description = "Only the Auth0 users of this connection (e.g. Username-Password-Authentication).")
  String connection;

  @Option(names = "--auth0-time-limit", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Stop deleting Auth0 users this long after the command started and report what remains"
          + " (a rerun continues); the operator sets it to 80%% of the Job's deadline less a minute.")
  Duration timeLimit;

  @Option(names = "--auth0-user-id-column", paramLabel = "COLUMN",
      description = "With --where: delete only the Auth0 users of the purged rows, whose Auth0 user_id is in this"
          + " column of the first --table (read in the purge's transaction, kept in the run ledger).")
  String userIdColumn;

  @Option(names = "--auth0-email-column", paramLabel = "COLUMN",
      description = "As --auth0-user-id-column, mapping rows to Auth0 users by the email address in this column.")
  String emailColumn;

  // Tests point the client at a local fake; production always talks to https://DOMAIN.
  @Option(names = "--auth0-base-url", hidden = true)
  URI baseUrl;

  /**
   * The column that maps purged rows to Auth0 users, or null. A predicate with Auth0 needs one: without
   * it the purge would delete every user of the tenant although it keeps some rows.
   */
  PurgeRequest.IdentityColumn identityColumn(boolean predicates) {
    if (userIdColumn != null && emailColumn != null) {
      throw new PurgeException(FailureReason.Usage, "--auth0-user-id-column and --auth0-email-column both map rows"
          + " to Auth0 users: give one of them.");
    }
    String column = userIdColumn != null ? userIdColumn : emailColumn;
    if (column != null && domain == null) {
      throw new PurgeException(FailureReason.Usage, (userIdColumn != null ? "--auth0-user-id-column" : "--auth0-email-column")
          + " needs --auth0-domain: name the tenant too.");
    }
    if (column != null && (column.isBlank() || column.length() > 63 || column.indexOf('\0') >= 0)) {
      throw new PurgeException(FailureReason.Usage, "The Auth0 mapping column must be a column name (1 to 63 characters).");
    }
    if (column == null && domain != null && predicates) {
      throw new PurgeException(FailureReason.Usage, "--where keeps some rows, so only the Auth0 users of the purged"
          + " rows may go: name the column that maps a row to its Auth0 user with --auth0-user-id-column (Auth0"
          + " user_id) or --auth0-email-column (spec.auth0.userIdColumn / emailColumn). Nothing was deleted.");
    }
    return column == null ? null : new PurgeRequest.IdentityColumn(column, userIdColumn == null);
  }

  /** The Auth0 half, or null when no --auth0-domain was given. */
  Auth0UserPurge open(Map<String, String> env, Pattern protectedPattern, boolean allowProtected, boolean dryRun) {
    if (domain == null) {
      if (connection != null) {
        throw new PurgeException(FailureReason.Usage, "--auth0-connection needs --auth0-domain: name the tenant too.");
      }
      return null;
    }
    if (!HOST.matcher(domain).matches()) {
      throw new PurgeException(FailureReason.Usage, "--auth0-domain '" + domain
          + "' is not a host name: give the tenant's domain only, e.g. my-tenant.eu.auth0.com (no https://, no path).");
    }
    if (connection != null && (connection.isBlank() || connection.length() > 128)) {
      throw new PurgeException(FailureReason.Usage, "--auth0-connection must be a connection name (1 to 128 characters).");
    }
    String id = env.get("AUTH0_CLIENT_ID");
    String secret = env.get("AUTH0_CLIENT_SECRET");
    if (id == null || id.isBlank() || secret == null || secret.isBlank()) {
      throw new PurgeException(FailureReason.Usage, "--auth0-domain needs the Management API client's credentials in"
          + " env AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (in a Job: from the Secret named in spec.auth0); they are"
          + " never accepted as arguments.");
    }
    if (!dryRun && !allowProtected && protectedPattern.matcher(domain).matches()) {
      throw new PurgeException(FailureReason.ProtectedDatabase, "Auth0 tenant " + domain + " matches --protected-pattern "
          + protectedPattern.pattern() + ": its users are never purged. Point --auth0-domain at a non-production tenant"
          + " (or pass --allow-protected). Nothing was deleted.");
    }
    Auth0Client client = new Auth0Client(domain, baseUrl, new Auth0Client.Credentials(id, secret),
        Auth0Client.Tuning.DEFAULT);
    return new Auth0UserPurge(client, connection, baseUrl == null ? Duration.ofSeconds(2) : Duration.ZERO,
        timeLimit == null ? null : Instant.now().plus(timeLimit));
  }
}
