package io.datapurge.purge;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where and how to connect: {@code --url}, or the libpq environment (PGHOST, PGPORT, PGDATABASE,
 * PGUSER, PGSSLMODE, PGSSLROOTCERT); the password from PGPASSWORD or a file, never from an argument.
 * The password stays out of {@link #toString()} and of every message; {@link #scrub} removes it
 * from text that came from elsewhere.
 */
public final class ConnectionSettings {
  public static final String APPLICATION_NAME = "user-data-purge";
  private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  private final String url;
  private final String user;
  private final String password;
  private final Properties properties;

  private ConnectionSettings(String url, String user, String password, Properties properties) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.properties = properties;
  }

  /**
   * @param url {@code jdbc:postgresql://…} or null to use the environment
   * @param user {@code --user} or null
   * @param passwordFile {@code --password-file} or null; its first line is the password
   */
  public static ConnectionSettings resolve(String url, String user, Path passwordFile, String runId,
      Map<String, String> env) {
    String password = env.get("PGPASSWORD");
    if (passwordFile != null) {
      try {
        password = Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
      } catch (IOException e) {
        throw new PurgeException(FailureReason.Usage, "Cannot read --password-file " + passwordFile
            + " (" + e.getClass().getSimpleName() + "): check the path and its permissions.");
      }
    }
    String u = user != null ? user : env.get("PGUSER");
    String jdbcUrl;
    if (url != null) {
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new PurgeException(FailureReason.Usage,
            "--url must start with jdbc:postgresql:, e.g. jdbc:postgresql://db.example:5432/app.");
      }
      if (url.toLowerCase(Locale.ROOT).matches(".*[?&]password=.*")) {
        throw new PurgeException(FailureReason.Usage,
            "--url carries a password: remove it and use PGPASSWORD or --password-file, so it is not visible in the process list.");
      }
      jdbcUrl = url;
    } else {
      String host = env.getOrDefault("PGHOST", "localhost");
      if (host.startsWith("/")) {
        throw new PurgeException(FailureReason.Usage, "PGHOST " + host
            + " is a Unix socket directory; the purge connects over TCP: set PGHOST to a host name or use --url.");
      }
      String port = env.getOrDefault("PGPORT", "5432");
      if (!port.matches("\\d{1,5}")) {
        throw new PurgeException(FailureReason.Usage, "PGPORT '" + port + "' is not a port number.");
      }
      String database = env.getOrDefault("PGDATABASE", u != null ? u : System.getProperty("user.name"));
      jdbcUrl = "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/"
          + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }
    if (u == null && !jdbcUrl.contains("user=")) u = System.getProperty("user.name");

    Properties p = new Properties();
    if (u != null) p.setProperty("user", u);
    if (password != null) p.setProperty("password", password);
    String sslMode = env.get("PGSSLMODE");
    if (sslMode != null && !jdbcUrl.contains("sslmode=")) {
      if (!SSL_MODES.contains(sslMode)) {
        throw new PurgeException(FailureReason.Usage, "PGSSLMODE '" + sslMode + "' is not one of " + SSL_MODES + ".");
      }
      p.setProperty("sslmode", sslMode);
    }
    if (env.get("PGSSLROOTCERT") != null && !jdbcUrl.contains("sslrootcert=")) {
      p.setProperty("sslrootcert", env.get("PGSSLROOTCERT"));
    }
    String app = runId == null ? APPLICATION_NAME : APPLICATION_NAME + " " + runId;
    p.setProperty("ApplicationName", app.length() > 63 ? app.substring(0, 63) : app);
    p.setProperty("connectTimeout", "10");
    p.setProperty("loginTimeout", "15");
    p.setProperty("tcpKeepAlive", "true");
    return new ConnectionSettings(jdbcUrl, u, password, p);
  }

  /** A pool of one: fails at once when the server cannot be reached or rejects the login. */
  public HikariDataSource open(Duration validationTimeout) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("purge");
    config.setJdbcUrl(url);
    config.setDataSourceProperties(properties);
    config.setMaximumPoolSize(1);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(Duration.ofSeconds(20).toMillis());
    config.setValidationTimeout(validationTimeout.toMillis());
    config.setInitializationFailTimeout(1);
    config.setRegisterMbeans(false);
    return new HikariDataSource(config);
  }

  public String url() {
    return url;
  }

  public String user() {
    return user;
  }

  /** Replaces the password wherever it occurs in text bound for stdout, stderr or the result. */
  public String scrub(String text) {
    if (text == null || password == null || password.isEmpty()) return text;
    return text.replace(password, "********");
  }

  @Override
  public String toString() {
    return user + " at " + url;
  }
}
