#!/usr/bin/env bash
# EMR bootstrap action: installs Apache Drill on every node and starts a drillbit once ZooKeeper
# is up. Bootstrap actions run before EMR installs its applications, so the wait and the start
# happen in the background; a systemd unit keeps the drillbit running (EMR 6/7 have no
# service-nanny).
#
#   install-drill.sh --version V --url URL --cluster-id ID
#
# Paths can be overridden for tests: WSHED_INFO_DIR (/mnt/var/lib/info), WSHED_DRILL_PREFIX (/opt),
# WSHED_EMR_LIBS (/usr/share/aws/emr), WSHED_SYSTEMD_DIR (/etc/systemd/system), WSHED_NO_SYSTEMD=1
# starts drillbit.sh directly, WSHED_FOREGROUND=1 waits in the foreground, WSHED_ZK_PORT (2181),
# WSHED_ZK_WAIT_SECONDS (1800).
set -euo pipefail

version=""
url=""
cluster_id="wshed-drillbits"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --url) url="$2"; shift 2 ;;
    --cluster-id) cluster_id="$2"; shift 2 ;;
    *) echo "install-drill: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$version" ] || { echo "install-drill: --version is required" >&2; exit 2; }
[ -n "$url" ] || url="https://archive.apache.org/dist/drill/${version}/apache-drill-${version}.tar.gz"

info_dir="${WSHED_INFO_DIR:-/mnt/var/lib/info}"
prefix="${WSHED_DRILL_PREFIX:-/opt}"
emr_libs="${WSHED_EMR_LIBS:-/usr/share/aws/emr}"
systemd_dir="${WSHED_SYSTEMD_DIR:-/etc/systemd/system}"
zk_wait="${WSHED_ZK_WAIT_SECONDS:-1800}"
zk_port="${WSHED_ZK_PORT:-2181}"
drill_home="${prefix}/apache-drill-${version}"

# The node's role and the primary's address, from what EMR writes on every node.
is_primary="$(grep -o '"isMaster"[[:space:]]*:[[:space:]]*\(true\|false\)' "${info_dir}/instance.json" | grep -o 'true\|false' || echo false)"
primary="$(grep -o '"masterPrivateDnsName"[[:space:]]*:[[:space:]]*"[^"]*"' "${info_dir}/job-flow.json" | sed 's/.*"\([^"]*\)"$/\1/' || true)"
[ -n "$primary" ] || { echo "install-drill: no masterPrivateDnsName in ${info_dir}/job-flow.json" >&2; exit 1; }

fetch() {
  case "$1" in
    s3://*) aws s3 cp "$1" "$2" ;;
    file://*) cp "${1#file://}" "$2" ;;
    *) curl -fsSL --retry 5 -o "$2" "$1" ;;
  esac
}

if [ ! -x "${drill_home}/bin/drillbit.sh" ]; then
  tmp="$(mktemp -d)"
  fetch "$url" "${tmp}/drill.tar.gz"
  mkdir -p "$prefix"
  tar -xzf "${tmp}/drill.tar.gz" -C "$prefix"
  rm -rf "$tmp"
fi

cat > "${drill_home}/conf/drill-override.conf" <<CONF
drill.exec: {
  cluster-id: "${cluster_id}",
  zk.connect: "${primary}:${zk_port}"
}
CONF

# Runs after EMR has installed its applications: the Kinesis Hive connector and a JSON SerDe.
start_when_ready() {
  local waited=0
  until (exec 3<>"/dev/tcp/${primary}/${zk_port}") 2>/dev/null; do
    sleep 5
    waited=$((waited + 5))
    if [ "$waited" -ge "$zk_wait" ]; then echo "install-drill: ZooKeeper on ${primary}:${zk_port} not up after ${zk_wait}s" >&2; return 1; fi
  done
  mkdir -p "${drill_home}/jars/3rdparty"
  find "${emr_libs}" \( -path '*kinesis*' -o -name 'hive-hcatalog-core*.jar' -o -name 'json-serde*.jar' \) -name '*.jar' -exec cp {} "${drill_home}/jars/3rdparty/" \; 2>/dev/null || true
  if [ "${WSHED_NO_SYSTEMD:-0}" = "1" ]; then
    "${drill_home}/bin/drillbit.sh" start
    return
  fi
  cat > "${systemd_dir}/drillbit.service" <<UNIT
[Unit]
Description=Apache Drill drillbit (watershed)
After=network-online.target

[Service]
Type=forking
User=hadoop
ExecStart=${drill_home}/bin/drillbit.sh start
ExecStop=${drill_home}/bin/drillbit.sh stop
Restart=on-failure

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now drillbit.service
}

echo "install-drill: Drill ${version} in ${drill_home}, primary ${primary} (this node primary: ${is_primary}); the drillbit starts when ZooKeeper is up"
if [ "${WSHED_FOREGROUND:-0}" = "1" ]; then
  start_when_ready
else
  start_when_ready > /tmp/install-drill.log 2>&1 &
fi
