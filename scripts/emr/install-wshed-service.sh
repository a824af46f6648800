#!/usr/bin/env bash
# EMR bootstrap action: hosts the job service (`wshed serve --target aws`) on the primary node, as
# the original deployed its pump at launch. Installs Node.js 20, the uploaded watershed bundle (a
# tarball of package.json, conf/, dist/ and the production node_modules, top folder `package/`), writes
# the service token into a 0600 file (from a file, a URL such as s3://…, or an SSM parameter; it is
# never echoed), and starts a systemd unit that serves on 127.0.0.1 only (reached through the SSH
# tunnel).
#
#   install-wshed-service.sh --bundle URL [--port 8080] [--drill-url http://localhost:8047]
#                            [--token-file PATH|URL | --token-parameter NAME] [--node-url URL]
#                            [--conf URL] [--pipeline URL]...
#
# Paths can be overridden for tests: WSHED_INFO_DIR (/mnt/var/lib/info), WSHED_PREFIX (/opt/wshed),
# WSHED_SYSTEMD_DIR (/etc/systemd/system), WSHED_NO_SYSTEMD=1 starts the service directly in the
# background (its log in <prefix>/serve.log), WSHED_NODE (a node binary to use as is).
set -euo pipefail

bundle=""
port="8080"
drill_url="http://localhost:8047"
token_file=""
token_parameter=""
node_url=""
conf=""
pipelines=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --drill-url) drill_url="$2"; shift 2 ;;
    --token-file) token_file="$2"; shift 2 ;;
    --token-parameter) token_parameter="$2"; shift 2 ;;
    --node-url) node_url="$2"; shift 2 ;;
    --conf) conf="$2"; shift 2 ;;
    --pipeline) pipelines+=("$2"); shift 2 ;;
    *) echo "install-wshed-service: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$bundle" ] || { echo "install-wshed-service: --bundle is required" >&2; exit 2; }
[ -n "$token_file" ] || [ -n "$token_parameter" ] || { echo "install-wshed-service: give --token-file or --token-parameter (the service needs a token)" >&2; exit 2; }
case "$port" in ''|*[!0-9]*) echo "install-wshed-service: --port takes a port number" >&2; exit 2 ;; esac

info_dir="${WSHED_INFO_DIR:-/mnt/var/lib/info}"
prefix="${WSHED_PREFIX:-/opt/wshed}"
systemd_dir="${WSHED_SYSTEMD_DIR:-/etc/systemd/system}"

# The service runs on the primary node only (where Drill's REST port and the tunnel are).
is_primary="$(grep -o '"isMaster"[[:space:]]*:[[:space:]]*\(true\|false\)' "${info_dir}/instance.json" | grep -o 'true\|false' || echo false)"
if [ "$is_primary" != "true" ]; then
  echo "install-wshed-service: not the primary node; nothing to do"
  exit 0
fi

fetch() {
  case "$1" in
    s3://*) aws s3 cp --quiet "$1" "$2" ;;
    file://*) cp "${1#file://}" "$2" ;;
    *) curl -fsSL --retry 5 -o "$2" "$1" ;;
  esac
}

# Node.js 20: as given, from a tarball, or Amazon Linux 2023's package (EMR 7).
node="${WSHED_NODE:-}"
if [ -z "$node" ]; then
  if [ -n "$node_url" ]; then
    tmp="$(mktemp -d)"
    fetch "$node_url" "${tmp}/node.tar.gz"
    mkdir -p "${prefix}/node"
    tar -xzf "${tmp}/node.tar.gz" -C "${prefix}/node" --strip-components 1
    rm -rf "$tmp"
    node="${prefix}/node/bin/node"
  else
    sudo dnf install -y nodejs20
    node="$(command -v node-20 || command -v node)"
  fi
fi
echo "install-wshed-service: node $("$node" --version)"

# The bundle, replaced whole (a changed upload reaches the next launch).
mkdir -p "$prefix"
tmp="$(mktemp -d)"
fetch "$bundle" "${tmp}/wshed.tgz"
rm -rf "${prefix}/package"
tar -xzf "${tmp}/wshed.tgz" -C "$prefix"
rm -rf "$tmp"
[ -f "${prefix}/package/dist/wshed.mjs" ] || { echo "install-wshed-service: the bundle has no package/dist/wshed.mjs" >&2; exit 1; }

# What it serves: the target settings and the pipeline files, uploaded beside the bundle.
work="${prefix}/work"
mkdir -p "$work"
serve_args=(serve --target aws --drill-url "$drill_url" --host 127.0.0.1 --port "$port" --token-file "${prefix}/token")
if [ -n "$conf" ]; then
  fetch "$conf" "${work}/aws.json"
  serve_args+=(--conf "${work}/aws.json")
fi
for p in "${pipelines[@]+"${pipelines[@]}"}"; do
  name="$(basename "$p")"
  fetch "$p" "${work}/${name}"
  serve_args+=("${work}/${name}")
done

# The token: into a 0600 file, never onto the command line, into the unit or onto the output.
umask 077
if [ -n "$token_parameter" ]; then
  aws ssm get-parameter --name "$token_parameter" --with-decryption --query Parameter.Value --output text > "${prefix}/token"
else
  # A path on the node, or where the upload put it (s3://…, beside the bundle).
  case "$token_file" in
    s3://*|file://*|http://*|https://*) fetch "$token_file" "${prefix}/token" ;;
    *) cp "$token_file" "${prefix}/token" ;;
  esac
fi
chmod 600 "${prefix}/token"
[ -s "${prefix}/token" ] || { echo "install-wshed-service: the token is empty" >&2; exit 1; }
umask 022

if [ "${WSHED_NO_SYSTEMD:-}" = "1" ]; then
  # exec: no shell stays behind holding the caller's output open while the service runs.
  (cd "$work" && WSHED_HOME="${prefix}/home" exec nohup "$node" "${prefix}/package/dist/wshed.mjs" "${serve_args[@]}" < /dev/null > "${prefix}/serve.log" 2>&1) &
  echo "install-wshed-service: started wshed serve on 127.0.0.1:${port} (log ${prefix}/serve.log)"
  exit 0
fi

quoted=""
for a in "${serve_args[@]}"; do quoted+=" $(printf '%q' "$a")"; done
sudo tee "${systemd_dir}/wshed-serve.service" > /dev/null <<UNIT
[Unit]
Description=watershed job service (wshed serve)
After=network-online.target

[Service]
WorkingDirectory=${work}
Environment=WSHED_HOME=${prefix}/home
Environment=AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
ExecStart=${node} ${prefix}/package/dist/wshed.mjs${quoted}
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
sudo systemctl daemon-reload
sudo systemctl enable --now wshed-serve.service
echo "install-wshed-service: wshed-serve.service started on 127.0.0.1:${port}"
