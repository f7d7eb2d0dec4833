package io.datapurge.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Django's default password hasher (pbkdf2_sha256) in Java, and real Django to check a hash the way a
 * login does. Django runs from a virtualenv under target/ made on first use ({@code pip install django}).
 */
public final class DjangoPasswords {
  /** Django 5.2's iteration count, so Django accepts the hash without wanting to upgrade it. */
  public static final int ITERATIONS = 1_000_000;
  static final Path VENV = Path.of("target", "django-venv");

  private DjangoPasswords() {}

  /** What Django's PBKDF2PasswordHasher.encode stores: pbkdf2_sha256$iterations$salt$base64(derived key). */
  public static String hash(String password, String salt) {
    try {
      byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(password.toCharArray(), salt.getBytes(StandardCharsets.UTF_8), ITERATIONS, 256))
          .getEncoded();
      return "pbkdf2_sha256$" + ITERATIONS + "$" + salt + "$" + Base64.getEncoder().encodeToString(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Django's answer for a login with {@code password} against the stored {@code encoded} hash:
   * "True pbkdf2_sha256 False" is check_password, the hasher's algorithm and must_update.
   */
  public static String djangoChecks(String password, String encoded) {
    Path python = ensureDjango();
    String script = """
        import os, django
        from django.conf import settings
        settings.configure()
        django.setup()
        from django.contrib.auth.hashers import check_password, identify_hasher
        enc = os.environ["ENCODED"]
        hasher = identify_hasher(enc)
        print(check_password(os.environ["PASSWORD"], enc), hasher.algorithm, hasher.must_update(enc))
        """;
    ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", script).redirectErrorStream(true);
    pb.environment().put("PASSWORD", password);
    pb.environment().put("ENCODED", encoded);
    return run(pb, 60).strip();
  }

  private static synchronized Path ensureDjango() {
    Path python = VENV.resolve("bin/python");
    if (!Files.isExecutable(python) || !run(new ProcessBuilder(python.toString(), "-c", "import django")
        .redirectErrorStream(true), 30).isEmpty()) {
      run(new ProcessBuilder("python3", "-m", "venv", VENV.toString()).redirectErrorStream(true), 120);
      String out = run(new ProcessBuilder(List.of(VENV.resolve("bin/pip").toString(), "install", "-q", "django==5.2.*"))
          .redirectErrorStream(true), 300);
      if (!Files.isExecutable(python)) throw new IllegalStateException("cannot install Django: " + out);
    }
    return python;
  }

  private static String run(ProcessBuilder pb, int seconds) {
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) p.destroyForcibly();
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
