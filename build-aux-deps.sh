# Shared by ./quickstart and ./runtests: install missing Debian packages, then configure and build.
PACKAGES="build-essential autoconf automake libtool pkg-config uthash-dev libunwind-dev libdw-dev bc python3 libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 redis-server redis-tools man-db debhelper lintian cmake meson jq python3-jsonschema"

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
