package io.datapurge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * The PostgreSQL server started by {@code hack/pg.sh up}, found through PGHOST, PGPORT, PGUSER and
 * PGPASSWORD. Each test creates its own database, so tests never see each other's rows.
 */
public final class PostgresServer {
  private PostgresServer() {}

  public static String host() {
    return env("PGHOST", "127.0.0.1");
  }

  public static String port() {
    return env("PGPORT", "55432");
  }

  public static String user() {
    return env("PGUSER", "postgres");
  }

  public static String password() {
    return env("PGPASSWORD", "postgres");
  }

  public static String jdbcUrl(String database) {
    return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
  }

  /** Creates an empty database named {@code prefix_<random>} and returns its name. */
  public static String createDatabase(String prefix) {
    String name = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
    try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
      st.execute("create database \"" + name + "\"");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a test database; is hack/pg.sh up running? " + e.getMessage(), e);
    }
    return name;
  }

  /** A database with the schema scripts from src/test/resources/schemas applied in order. */
  public static String createDatabase(String prefix, String... scripts) {
    String name = createDatabase(prefix);
    for (String script : scripts) run(name, script);
    return name;
  }

  public static void dropDatabase(String name) {
    try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
      st.execute("drop database if exists \"" + name + "\" with (force)");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user());
    p.setProperty("password", password());
    p.setProperty("ApplicationName", "purge-tests");
    return DriverManager.getConnection(jdbcUrl(database), p);
  }

  /** Runs SQL text, or a script when given a resource path like {@code schemas/django.sql}. */
  public static void run(String database, String sqlOrScript) {
    String sql = sqlOrScript.endsWith(".sql") ? resource(sqlOrScript) : sqlOrScript;
    try (Connection c = connect(database); Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("failed: " + sqlOrScript + ": " + e.getMessage(), e);
    }
  }

  public static long queryLong(String database, String sql) {
    try (Connection c = connect(database); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The libpq environment a purge process needs to reach the database. */
  public static Map<String, String> libpqEnv(String database) {
    Map<String, String> env = new HashMap<>();
    env.put("PGHOST", host());
    env.put("PGPORT", port());
    env.put("PGUSER", user());
    env.put("PGPASSWORD", password());
    env.put("PGDATABASE", database);
    return env;
  }

  private static String resource(String path) {
    try (InputStream in = PostgresServer.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) throw new IllegalArgumentException("no test resource " + path);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }
}
