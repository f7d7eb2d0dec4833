# syntax=docker/dockerfile:1
# One image, two roles: the operator (default CMD) and the purge Job (args starting with "purge").
#   docker build -t datapurge/user-data-purge-operator:0.1.0 --build-arg VERSION=0.1.0 .

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
# Dependencies in their own layer: a source change does not download them again.
RUN mvn -B -q -Dmaven.test.skip=true dependency:go-offline
COPY src/main ./src/main
RUN mvn -B -q -Dmaven.test.skip=true package

# AOT cache (JDK 25, JEP 483): the classes a purge loads (picocli, logging, JDBC driver and its TLS and
# SCRAM paths, connection pool, plan queries, JSON result), loaded and linked ahead of time into a
# file the JVM maps at start. Trained on a real confirmed purge against a throwaway PostgreSQL of this
# stage (the distribution's package; src/main/docker/cds-training.sh), which never reaches the final
# image. The JVM flags equal the ENTRYPOINT's and the jar is the final image's own file, so the cache
# is accepted; if it ever is not, the JVM starts without it.
# (-Xlog:aot=off: the cache skips what it cannot hold, one warning per class; picocli is compiled
# for Java 17 from its sources so that it is linked ahead of time, pom.xml.)
FROM eclipse-temurin:25-jre AS cds
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql ssl-cert >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/user-data-purge.jar /app/user-data-purge.jar
COPY src/main/docker/ /cds/
RUN PGSSLROOTCERT=/etc/ssl/certs/ssl-cert-snakeoil.pem sh /cds/cds-training.sh \
        java -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData \
        -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps -XX:TrimNativeHeapInterval=5000 -XX:NewSize=8m -XX:MaxNewSize=8m -XX:CompileThresholdScaling=5 -XX:+UseCompactObjectHeaders \
        -XX:AOTCacheOutput=/app/user-data-purge.aot -Xlog:aot=off -Xlog:cds=off -jar /app/user-data-purge.jar \
        purge --table auth_user --confirm training --result-file /tmp/training-result.json \
    && grep -q '"committed":true' /tmp/training-result.json \
    && test -s /app/user-data-purge.aot

FROM eclipse-temurin:25-jre
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="user-data-purge-operator" \
      org.opencontainers.image.description="Kubernetes operator that resets the users of a PostgreSQL database on request" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/datapurge/user-data-purge-operator" \
      org.opencontainers.image.base.name="eclipse-temurin:25-jre"
WORKDIR /app
# The jar the cache was trained with (same bytes and time stamp, which the JVM checks).
COPY --from=cds /app/user-data-purge.jar /app/user-data-purge.aot /app/
# Numeric, so runAsNonRoot can verify it without an /etc/passwd entry.
USER 65532:65532
# Heap from the container's memory limit; exit (and let Kubernetes report it) on OOM; no
# hsperfdata file, so a read-only root filesystem needs no writable /tmp for the purge Pods.
# C1 only and the serial collector: the purge is short and waits on the database, the operator is
# mostly idle; both start faster and the idle operator keeps ~50 MB less resident (docs/performance.md).
# Heap free ratios 10-20 % and no stepwise shrinking: a full collection returns unused heap at once, so
# the operator's idle trim (--heap-trim-after) gives back what a busy period grew; glibc's free memory
# is returned every 5 s (TrimNativeHeapInterval).
# A young generation of 8 MB (the serial collector otherwise sizes it from the old one and never gives
# it back) and compile thresholds x5 (C1 compiles ~40 % fewer methods: 16 -> 10 MB of code): the idle
# operator keeps ~14 MB less resident; the purge's start is unchanged (docs/performance.md §9).
# Compact object headers (JDK 25, JEP 519: 8-byte headers): on Temurin 25 the idle operator kept
# 152 MB after 130 resources, 149 MB with them (148 MB on JDK 17 in the same run; §10).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:-ShrinkHeapInSteps", "-XX:TrimNativeHeapInterval=5000", "-XX:NewSize=8m", "-XX:MaxNewSize=8m", "-XX:CompileThresholdScaling=5", "-XX:+UseCompactObjectHeaders", "-XX:AOTCache=/app/user-data-purge.aot", "-jar", "/app/user-data-purge.jar"]
CMD ["operator"]
