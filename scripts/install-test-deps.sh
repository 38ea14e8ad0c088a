#!/usr/bin/env bash
# Installs the Debian packages the tests start as real servers (on 127.0.0.1, in temp dirs).
# The packages' own services are not used: tests start their own instances.
set -euo pipefail
# chromium: the console's browser tests (driven by playwright-core through /usr/bin/chromium);
# fonts-wqy-microhei: a small CJK font so its Chinese pages render (and screenshot) as text.
# haproxy: in front of the broker, passing each device's address with the PROXY protocol.
pkgs=(influxdb postgresql mosquitto mosquitto-clients redis-server openssl iproute2 prometheus chromium fonts-wqy-microhei haproxy)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian starts packaged services where an init system runs; the tests need none of them.
for svc in mosquitto redis-server influxdb postgresql prometheus haproxy; do
  command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null && $sudo systemctl stop "$svc" || true
done
echo "test dependencies present: ${pkgs[*]}"
