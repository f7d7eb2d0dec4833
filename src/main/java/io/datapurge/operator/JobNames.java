package io.datapurge.operator;

import io.datapurge.api.UserDataPurge;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Job name of a run: {@code <resource name>-<mode>-<hash>}, at most 63 characters (a Job's name
 * becomes its pods' {@code job-name} label value). The hash covers the resource's uid, its
 * generation and the mode, so the same spec always maps to the same Job (which is adopted, never
 * duplicated) and a changed spec maps to a new one.
 */
public final class JobNames {

  static final int MAX = 63;
  private static final int HASH_CHARS = 10;

  private JobNames() {}

  public static String of(UserDataPurge resource, RunMode mode) {
    var meta = resource.getMetadata();
    return of(meta.getName(), meta.getUid(), meta.getGeneration(), mode);
  }

  static String of(String name, String uid, Long generation, RunMode mode) {
    String hash = sha256(uid + "/" + generation + "/" + mode).substring(0, HASH_CHARS);
    String suffix = "-" + mode.label() + "-" + hash;
    String prefix = name.substring(0, Math.min(name.length(), MAX - suffix.length()));
    // A label value must start and end with an alphanumeric character.
    prefix = prefix.replaceAll("[^a-z0-9]+$", "");
    return prefix + suffix;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
