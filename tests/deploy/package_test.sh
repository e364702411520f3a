#!/usr/bin/env bash
# The Debian package: cpack builds it from this build tree; its control data names the package
# and Debian 12's runtime libraries; it lists exactly the binaries, the unit, the docs and the
# viewer where they belong; unpacked into a scratch root, its vmfabricd accepts its example
# config (credentials absent: warnings only).
#   package_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 ||
  fail "cpack: $(tail -n 20 "$work/cpack.log")"
deb=$(ls "$work"/vmfabric_*.deb 2>/dev/null) || fail "no vmfabric_*.deb in $(ls "$work")"
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

info=$(dpkg-deb -f "$deb" Package Depends)
echo "$info"
grep -qx 'Package: vmfabric' <<<"$info" || fail "package name"
for lib in libssl3 libsqlite3-0 libpugixml1v5 libstdc++6 adduser; do
  grep -q "$lib" <<<"$info" || fail "Depends lacks $lib"
done
# Listed whole before grep: with pipefail, grep -q quitting early would make tar fail on SIGPIPE.
control=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
grep -qx './postinst' <<<"$control" || fail "no postinst in the control data:
$control"

files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/vmfabricd ./usr/bin/vmfabric ./usr/lib/systemd/system/vmfabricd.service \
  ./usr/share/doc/vmfabric/config.example.json ./usr/share/doc/vmfabric/README.md \
  ./usr/share/doc/vmfabric/operating.md ./usr/share/vmfabric/web/index.html \
  ./usr/share/vmfabric/web/app.js ./usr/share/vmfabric/web/app.css; do
  grep -qx "$f" <<<"$files" || fail "$f is not in the package:
$files"
done
# Nothing else: no test binaries, simulators or headers.
extra=$(grep -v -e '/$' -e '^./usr/bin/vmfabricd$' -e '^./usr/bin/vmfabric$' \
  -e '^./usr/lib/systemd/system/vmfabricd.service$' -e '^./usr/share/doc/vmfabric/' \
  -e '^./usr/share/vmfabric/web/' <<<"$files" || true)
[ -z "$extra" ] || fail "unexpected files in the package: $extra"

root=$work/root
dpkg-deb -x "$deb" "$root"
out=$("$root/usr/bin/vmfabricd" --check-config "$root/usr/share/doc/vmfabric/config.example.json" 2>&1) ||
  fail "the installed vmfabricd refuses the example config: $out"
echo "$out"
grep -q ': OK: ' <<<"$out" || fail "no OK line from --check-config"
echo PASS
