#!/usr/bin/env bash
# Runs one local, embedded Apache Drill (a Drillbit with its REST API on 127.0.0.1) to try a
# pipeline's Drill SQL before paying for a cluster; the Drill tests use it too.
#
#   scripts/drill.sh start [--port N]   fetch Drill once (Maven Central → cache), start it in the background
#   scripts/drill.sh status             say whether it runs and where; exits 1 when it does not
#   scripts/drill.sh stop               stop it and wait until it has exited
#
# Drill comes from Maven Central as a classpath (drill-java-exec + hadoop-aws, scripts/drill/pom.xml:
# the release tarball is not on Central), copied into ${WSHED_CACHE:-~/.cache/watershed}/drill-<v>/,
# outside the repository. Its pid, port, configuration, log and stored plugin configurations live
# in ${WSHED_HOME:-./.wshed}/drill/. Settings: DRILL_HEAP (1g), DRILL_MAX_DIRECT_MEMORY (1g),
# DRILL_START_TIMEOUT seconds (300), JAVA_HOME.
set -uo pipefail

DRILL_VERSION=1.22.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${WSHED_CACHE:-${HOME}/.cache/watershed}/drill-${DRILL_VERSION}"
home="${WSHED_HOME:-./.wshed}"
state="$(mkdir -p "$home/drill" && cd "$home/drill" && pwd)" || { echo "drill: cannot create the state folder $home/drill" >&2; exit 1; }
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
javac="${JAVA_HOME:+$JAVA_HOME/bin/}javac"

die() {
  echo "drill: $*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/drill.sh start [--port N] | stop | status" >&2
  exit 2
}

# The pid of the Drillbit of this state folder, if it runs (a stale pid file, or a pid reused by
# another process, counts as not running).
running_pid() {
  local pid
  pid="$(cat "$state/pid" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "-Dwshed.drill.state=$state " || return 1
  echo "$pid"
}

url() {
  echo "http://127.0.0.1:$(cat "$state/port")"
}

human_size() {
  du -sh "$1" 2>/dev/null | cut -f1
}

# Drill's jars, fetched once through Maven (its local repository, ~/.m2, then a copy here).
fetch_drill() {
  [ -f "$cache/jars/.complete" ] && return 0
  mkdir -p "$(dirname "$cache")" || die "cannot create the cache folder $(dirname "$cache")"
  # The cache is shared by every state folder: one fetch at a time.
  exec 8>"$cache.lock" || die "cannot lock $cache.lock"
  flock -w 1800 8 || die "another scripts/drill.sh is still fetching Drill into $cache"
  [ -f "$cache/jars/.complete" ] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed once to fetch Drill from Maven Central; install it (apt-get install -y maven)"
  mkdir -p "$cache" || die "cannot create the cache folder $cache"
  echo "drill: fetching Apache Drill $DRILL_VERSION from Maven Central into $cache (once; about 460 MB: drill-java-exec, Hadoop 3.3.6, hadoop-aws and the AWS SDK bundle, ~300 MB of it)" >&2
  local started=$SECONDS log="$cache/fetch.log"
  rm -rf "$cache/jars.partial"
  if ! mvn -B -f "$here/drill/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$cache/jars.partial" -DincludeScope=runtime >"$log" 2>&1; then
    die "fetching Drill failed ($(grep -m1 -E '\[ERROR\]' "$log" || tail -n 1 "$log")); full output: $log"
  fi
  touch "$cache/jars.partial/.complete"
  if ! { rm -rf "$cache/jars" && mv "$cache/jars.partial" "$cache/jars"; }; then
    die "cannot move the fetched jars into $cache/jars"
  fi
  echo "drill: fetched $(find "$cache/jars" -name '*.jar' | wc -l) jars, $(human_size "$cache/jars"), in $((SECONDS - started)) s" >&2
}

# The launcher class, compiled once per version of its source.
build_launcher() {
  local src="$here/drill/EmbeddedDrillbit.java" sum out
  sum="$(sha256sum "$src" | cut -c1-16)"
  out="$cache/launcher-$sum"
  [ -f "$out/EmbeddedDrillbit.class" ] && { echo "$out"; return 0; }
  command -v "$javac" >/dev/null || die "Drill needs a JDK (javac), not only a JRE; install one (apt-get install -y openjdk-17-jdk-headless)"
  rm -rf "$out.partial" && mkdir -p "$out.partial"
  # -implicit:none -sourcepath '': drill-java-exec ships its sources; never compile them.
  if ! "$javac" -nowarn -implicit:none -sourcepath '' -cp "$cache/jars/*" -d "$out.partial" "$src" >"$cache/javac.log" 2>&1; then
    die "compiling the Drill launcher failed ($(grep -m1 'error:' "$cache/javac.log")); full output: $cache/javac.log"
  fi
  if ! { rm -rf "$out" && mv "$out.partial" "$out"; }; then
    die "cannot move the launcher into $out"
  fi
  echo "$out"
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

write_conf() {
  local port="$1"
  mkdir -p "$state/conf" "$state/tmp" || die "cannot write into $state"
  if ! { sed -e "s#@STATE@#$state#g" -e "s#@PORT@#$port#g" "$here/drill/drill-override.conf.in" >"$state/conf/drill-override.conf" &&
    sed -e "s#@STATE@#$state#g" "$here/drill/logback.xml.in" >"$state/conf/logback.xml"; }; then
    die "cannot write the configuration into $state/conf"
  fi
}

start() {
  local port=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) [ $# -ge 2 ] || usage; port="$2"; shift 2 ;;
      --port=*) port="${1#--port=}"; shift ;;
      *) usage ;;
    esac
  done
  if [ -n "$port" ] && ! [[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]]; then
    die "--port wants a TCP port number (1-65535), not '$port'"
  fi
  local pid
  if pid="$(running_pid)"; then
    echo "drill: already running (pid $pid) at $(url); log: $state/drillbit.log"
    return 0
  fi
  command -v "$java" >/dev/null || die "Drill needs Java 11-21 (a JDK); none found (set JAVA_HOME, or apt-get install -y openjdk-17-jdk-headless)"
  fetch_drill
  local launcher
  launcher="$(build_launcher)" || exit 1
  [ -n "$port" ] || port="$(free_port)" || die "cannot find a free port (node is needed)"
  write_conf "$port"
  rm -f "$state/pid" "$state/port"
  : >"$state/drillbit.out"
  local started=$SECONDS
  # setsid: the Drillbit outlives the shell that started it, and a Ctrl-C there does not reach it.
  setsid "$java" \
    -Xms"${DRILL_HEAP:-1g}" -Xmx"${DRILL_HEAP:-1g}" -XX:MaxDirectMemorySize="${DRILL_MAX_DIRECT_MEMORY:-1g}" \
    -XX:+UseG1GC -Djava.io.tmpdir="$state/tmp" -Dio.netty.tryReflectionSetAccessible=true \
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
    --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens java.base/java.net=ALL-UNNAMED --add-opens java.security.jgss/sun.security.krb5=ALL-UNNAMED \
    -Dwshed.drill.state="$state" \
    -cp "$state/conf:$launcher:$cache/jars/*" EmbeddedDrillbit </dev/null >"$state/drillbit.out" 2>&1 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$state/pid"
  echo "$port" >"$state/port"
  local deadline=$((SECONDS + ${DRILL_START_TIMEOUT:-300}))
  until grep -q '^wshed: drillbit online' "$state/drillbit.out"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$state/pid"
      if grep -q 'Address already in use' "$state/drillbit.out" 2>/dev/null; then
        die "port $port is already in use; choose another with --port N, or leave --port out for a free one"
      fi
      # The deepest cause says most; Drill's own first line is only "Failure during initial startup".
      local why
      why="$(grep -E '^Caused by: ' "$state/drillbit.out" 2>/dev/null | tail -n 1 | cut -c1-300)"
      [ -n "$why" ] || why="$(grep -m1 -E 'Exception|Error' "$state/drillbit.out" 2>/dev/null | cut -c1-300)"
      die "Drill exited while starting (${why:-no error line}); see $state/drillbit.out and $state/drillbit.log"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -TERM "$pid" 2>/dev/null
      die "Drill did not answer within ${DRILL_START_TIMEOUT:-300} s (stopped it); see $state/drillbit.log"
    fi
    sleep 0.5
  done
  echo "drill: running (pid $pid) at $(url), started in $((SECONDS - started)) s; log: $state/drillbit.log"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$state/pid"
    echo "drill: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null
  local deadline=$((SECONDS + 60))
  # running_pid, not kill -0: an exited Drillbit nobody reaps stays a zombie, and has no cmdline.
  while running_pid >/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "drill: still running 60 s after SIGTERM; killing it (pid $pid)" >&2
      kill -KILL "$pid" 2>/dev/null
      break
    fi
    sleep 0.2
  done
  rm -f "$state/pid"
  echo "drill: stopped (pid $pid)"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "drill: running (pid $pid) at $(url); log: $state/drillbit.log"
    return 0
  fi
  echo "drill: not running (state folder $state)"
  return 1
}

[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in
  start | stop)
    # One start or stop at a time per state folder (tests and a user may race).
    exec 9>"$state/.lock" || die "cannot lock $state/.lock"
    flock -w 600 9 || die "another scripts/drill.sh is still starting or stopping Drill ($state/.lock)"
    "$command" "$@"
    ;;
  status) [ $# -eq 0 ] || usage; status ;;
  *) usage ;;
esac
