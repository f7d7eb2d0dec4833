# Sourced by the benchmarks: the JVM a Dockerfile's image runs, on this machine.
#   image_java        (Dockerfile text on stdin) its java: Temurin 25 for eclipse-temurin:25-jre, else java (17)
#   entry_flags       (Dockerfile text on stdin) the ENTRYPOINT's -XX: flags, without the class cache's file
#   cache_train JAVA FILE / cache_use JAVA FILE
#                     the options that record / map the class cache as the Dockerfile does with that JVM:
#                     an AOT cache on 25 (-XX:AOTCacheOutput / -XX:AOTCache), an AppCDS archive on 17
# shellcheck source=hack/lib/jdk25.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../hack/lib/jdk25.sh"
image_java() {
  if grep -q '^FROM eclipse-temurin:25-jre$'; then echo "$(jdk25_home)/bin/java"; else command -v java; fi
}
entry_flags() {
  sed -n 's/^ENTRYPOINT \[\(.*\)\]$/\1/p' | tr -d '"' | tr ',' '\n' | sed 's/^ *//' \
    | grep '^-XX:' | grep -v -e '^-XX:SharedArchiveFile=' -e '^-XX:AOTCache=' | xargs
}
is_aot_jvm() { "$1" -version 2>&1 | grep -q 'version "2[5-9]'; }
cache_train() {
  if is_aot_jvm "$1"; then echo "-XX:AOTCacheOutput=$2 -Xlog:aot=off -Xlog:cds=off"
  else echo "-XX:ArchiveClassesAtExit=$2 -Xlog:cds=off"; fi
}
cache_use() {
  if is_aot_jvm "$1"; then echo "-XX:AOTCache=$2"; else echo "-XX:SharedArchiveFile=$2 -Xlog:cds=off"; fi
}
