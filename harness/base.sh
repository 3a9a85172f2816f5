#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the pinned base tree: Debian's linux-source-6.12 at a pinned version,
# hash-checked, extracted into $CACHE/linux and made a git repository whose
# first commit is the untouched tarball, tagged $BASE_TAG. With KERNEL_TREE set,
# check the user's own tree instead and tag its HEAD as the base.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DEB_PKG=linux-source-6.12
DEB_VERSION=${DEB_VERSION:-6.12.117-1~deb12u1}
TARBALL=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}
TARBALL_SHA256=${TARBALL_SHA256:-585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f}

user_tree() {
	local t=$GITREPO v p
	git -C "$t" rev-parse --git-dir >/dev/null 2>&1 ||
		die "KERNEL_TREE=$t is not a git tree"
	v=$(sed -n 's/^VERSION = //p' "$t/Makefile" 2>/dev/null)
	p=$(sed -n 's/^PATCHLEVEL = //p' "$t/Makefile" 2>/dev/null)
	[ "$v.$p" = "6.12" ] ||
		die "KERNEL_TREE=$t is at ${v:-?}.${p:-?}, the series needs v6.12.y"
	[ -z "$(git -C "$t" status --porcelain --untracked-files=no)" ] ||
		die "KERNEL_TREE=$t has uncommitted changes; commit or stash them first"
	# Tag the base once; later runs keep it, so the user's branch is never moved.
	if ! git -C "$t" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null; then
		git -C "$t" tag "$BASE_TAG" HEAD
		note "tagged $(git -C "$t" describe --tags HEAD 2>/dev/null || git -C "$t" rev-parse --short HEAD) of $t as $BASE_TAG"
	fi
	note "base: $t at $BASE_TAG ($(git -C "$t" rev-parse --short "$BASE_TAG"))"
}

own_tree() {
	local have tmp
	if [ -d "$GITREPO/.git" ] && git -C "$GITREPO" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null; then
		note "base: $GITREPO at $BASE_TAG ($(git -C "$GITREPO" rev-parse --short "$BASE_TAG"))"
		return 0
	fi
	have=$(dpkg-query -W -f='${Version}' "$DEB_PKG" 2>/dev/null || true)
	if [ "$have" != "$DEB_VERSION" ] && [ "$TARBALL" = /usr/src/linux-source-6.12.tar.xz ]; then
		note "installing $DEB_PKG=$DEB_VERSION (have: ${have:-none})"
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			--allow-downgrades "$DEB_PKG=$DEB_VERSION" >"$LOGDIR/apt-linux-source.log" 2>&1 ||
			die "apt-get install $DEB_PKG=$DEB_VERSION failed; log: $LOGDIR/apt-linux-source.log"
	fi
	[ -r "$TARBALL" ] || die "tarball $TARBALL not found"
	note "checking sha256 of $TARBALL"
	echo "$TARBALL_SHA256  $TARBALL" | sha256sum --check --status 2>/dev/null ||
		die "sha256 of $TARBALL is $(sha256sum "$TARBALL" | cut -d' ' -f1), expected $TARBALL_SHA256: refusing to use it"

	tmp=$GITREPO.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	run_step "extract base" "$LOGDIR/extract.log" \
		tar -xJf "$TARBALL" -C "$tmp" --strip-components=1
	# Debian's tarball brings a .gitignore under which 'git add -A' adds nothing
	# useful; add with -f so the first commit is the whole, untouched tarball.
	# Fixed identity and dates make the base commit id the same on every machine.
	run_step "commit base" "$LOGDIR/git-base.log" bash -c "
		set -e
		cd '$tmp'
		git init -q -b base
		git config core.autocrlf false
		git config gc.auto 0
		git add -f -A .
		GIT_AUTHOR_NAME='Debian kernel team' GIT_AUTHOR_EMAIL='debian-kernel@lists.debian.org' \
		GIT_COMMITTER_NAME='Debian kernel team' GIT_COMMITTER_EMAIL='debian-kernel@lists.debian.org' \
		GIT_AUTHOR_DATE='2025-11-14T12:56:00Z' GIT_COMMITTER_DATE='2025-11-14T12:56:00Z' \
			git commit -q -m 'Linux 6.12.117 as shipped by Debian linux-source-6.12 $DEB_VERSION' \
			-m 'Tarball sha256: $TARBALL_SHA256'
		git tag '$BASE_TAG'
	"
	rm -rf "$GITREPO"
	mv "$tmp" "$GITREPO"
	note "base: $GITREPO at $BASE_TAG ($(git -C "$GITREPO" rev-parse --short "$BASE_TAG"), $(git -C "$GITREPO" ls-files | wc -l) files)"
}

if [ -n "${KERNEL_TREE:-}" ]; then
	user_tree
else
	own_tree
fi
