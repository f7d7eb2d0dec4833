# Sourced: jdk25_home prints the Temurin 25 JDK the image's runtime is made from (hack/image.sh) and
# that the benchmarks run the image's JVM flags with: JAVA25_HOME, else /usr/lib/jvm/temurin-25-*.
jdk25_home() {
  local home="${JAVA25_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n 1)}"
  if [[ ! -x "$home/bin/java" ]]; then
    echo "no Temurin 25 JDK at '${home:-/usr/lib/jvm/temurin-25-*}': the image runs on Java 25; set JAVA25_HOME" >&2
    return 1
  fi
  echo "$home"
}
