# Shared by ./quickstart and ./runtests: install missing Debian packages, then configure and build.
PACKAGES="build-essential autoconf automake libtool pkg-config uthash-dev libunwind-dev libdw-dev libiberty-dev bc python3 libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 redis-server redis-tools clang gdb memcached libjansson-dev graphviz chromium man-db debhelper lintian cmake meson jq python3-jsonschema libprotobuf-c-dev protobuf-c-compiler libglib2.0-dev golang-go librsvg2-bin strace"

ensure_packages() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "quickstart: installing:$missing"
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing > /dev/null
}

ensure_built() {
	[ -x configure ] || autoreconf -fi > /dev/null 2>&1
	[ -f Makefile ] || ./configure -q
	make -j"$(nproc)" > make.out 2>&1 || { tail -n 40 make.out; exit 1; }
}

# The SARIF 2.1.0 JSON schema and Microsoft's SARIF validator, for tests/ci_sarif.sh: both come in the
# npm package @microsoft/sarif-multitool-linux, fetched once into a cache outside the tree (about
# 45 MB; ./runtests calls this).  Without npm, or offline, the test says so and checks less.
SARIF_TOOLS_DIR="${COFFMAN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/coffman-tools}/sarif-multitool-5.7.0"
ensure_sarif_validator() {
	[ -f "$SARIF_TOOLS_DIR/sarif-2.1.0.json" ] && return 0
	command -v npm > /dev/null || { echo "runtests: no npm: SARIF is checked without its schema"; return 0; }
	tmp=$(mktemp -d)
	# Unpacked aside and moved in whole: a cut download never leaves a half directory behind.
	if (cd "$tmp" && timeout 600 npm pack --silent @microsoft/sarif-multitool-linux@5.7.0 > /dev/null 2>&1) &&
		mkdir "$tmp/unpacked" && tar -C "$tmp/unpacked" --strip-components=1 -xzf "$tmp"/*.tgz &&
		chmod +x "$tmp/unpacked/Sarif.Multitool" && mkdir -p "$(dirname "$SARIF_TOOLS_DIR")" &&
		mv "$tmp/unpacked" "$SARIF_TOOLS_DIR"; then
		:
	else
		echo "runtests: could not fetch @microsoft/sarif-multitool-linux: SARIF is checked without its schema"
	fi
	rm -rf "$tmp"
}
