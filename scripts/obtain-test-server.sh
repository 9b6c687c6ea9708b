#!/bin/sh
# Obtains Temporal's time-skipping test server (the Java one, io.temporal:temporal-test-server from Maven Central)
# for the time-skipping tests (test/integration/time-skipping.ts); `npm test` and .ci/run run it first. The versions
# are pinned here. Everything goes into one cache folder outside the checkout, shared by every clone:
#   $XDG_CACHE_HOME/durable-guard/temporal-test-server-<version>/ (default ~/.cache/...)
#     lib/*.jar       the server and its dependencies (maven-dependency-plugin copy-dependencies)
#     classpath.txt   those jars, sorted, as one class path
#     test-server.jsa a dynamic AppCDS archive of the classes a start loads (-XX:ArchiveClassesAtExit)
#     test-server     the launcher: `test-server PORT`, with JVM flags for a fast start
# Idempotent: does nothing when the launcher exists. Needs Java 17+ and Maven; without them it installs Debian's
# packages when root (as CI runs), else says how and exits 0 (the time-skipping tests then fail naming this script).
set -eu
TEST_SERVER_VERSION=1.31.0
DEPENDENCY_PLUGIN_VERSION=2.8
dir="${XDG_CACHE_HOME:-$HOME/.cache}/durable-guard/temporal-test-server-$TEST_SERVER_VERSION"
launcher="$dir/test-server"
[ -x "$launcher" ] && exit 0

here="$(dirname "$0")"
command -v java >/dev/null 2>&1 || sh "$here/apt-install.sh" openjdk-17-jre-headless "the time-skipping test server"
command -v mvn >/dev/null 2>&1 || sh "$here/apt-install.sh" maven "obtaining the time-skipping test server"
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  echo "obtain-test-server: java and mvn are needed; install them, then run sh scripts/obtain-test-server.sh" >&2
  exit 0
fi

echo "obtain-test-server: resolving io.temporal:temporal-test-server:$TEST_SERVER_VERSION from Maven Central into $dir"
mkdir -p "$dir"
work="$(mktemp -d "$dir/.work-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>durable-guard</groupId>
  <artifactId>time-skipping-test-server</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$DEPENDENCY_PLUGIN_VERSION</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
if ! mvn -B -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$work/lib" \
  >"$work/mvn.log" 2>&1; then
  tail -40 "$work/mvn.log" >&2
  echo "obtain-test-server: mvn could not resolve the test server (log above)" >&2
  exit 1
fi
rm -rf "$dir/lib"
mv "$work/lib" "$dir/lib"
cp "$work/pom.xml" "$dir/pom.xml"
ls "$dir"/lib/*.jar | sort | paste -sd: - >"$dir/classpath.txt"
echo "obtain-test-server: $(ls "$dir"/lib/*.jar | wc -l) jars; writing the launcher"

# C1 only and the serial collector start the JVM fastest on two cores; the archive saves loading ~6,000 classes.
cat >"$work/test-server" <<EOF
#!/bin/sh
# Temporal's time-skipping test server $TEST_SERVER_VERSION (written by scripts/obtain-test-server.sh). Usage: test-server PORT
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -XX:SharedArchiveFile="$dir/test-server.jsa" \\
  -cp "\$(cat "$dir/classpath.txt")" io.temporal.testserver.TestServer "\$@"
EOF
chmod +x "$work/test-server"

# One start, stopped once it answers, dumps the archive at exit. Without an archive the launcher still works.
echo "obtain-test-server: starting it once to write its class-data archive (test-server.jsa)"
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
rm -f "$dir/test-server.jsa"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$dir/test-server.jsa" \
  -cp "$(cat "$dir/classpath.txt")" io.temporal.testserver.TestServer "$port" >"$work/archive.log" 2>&1 &
pid=$!
tries=0
listening() {
  node -e 'require("net").connect(Number(process.argv[1]), "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))' "$port"
}
until listening || [ $tries -ge 120 ] || ! kill -0 $pid 2>/dev/null; do
  sleep 0.5
  tries=$((tries + 1))
done
sleep 1
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
[ -s "$dir/test-server.jsa" ] || echo "obtain-test-server: no class-data archive written (the server starts without one)" >&2
mv "$work/test-server" "$launcher"
echo "obtain-test-server: ready: $launcher"
