#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The series workflow: apply patches/ onto the base, export the developers'
# branch back to patches/ and the mirrored paths, prove the two agree, and
# checkpatch every patch.
#   series.sh apply | export | verify | checkpatch
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

COVER_TEXT=$HARNESS/cover-letter.txt

# The series' MAINTAINERS entry, out of the MAINTAINERS file $1.
maintainers_entry() {
	awk '/^STAGING - MMHEAP/{p=1} p&&/^$/{exit} p' "$1"
}

# git am patches/ onto the base in the harness worktree; the result is branch
# $APPLIED. The developers' branch $SERIES_BRANCH is made from it only when it
# does not exist yet, so unexported work on it is never lost.
apply() {
	local p n=0
	need_wt
	git -C "$WT" am --abort >/dev/null 2>&1 || true
	wt_checkout "$BASE_TAG"
	while read -r p; do
		n=$((n + 1))
		git -C "$WT" -c user.name=mmheap -c user.email=mmheap@example.org \
			am -q --keep-cr "$p" >"$LOGDIR/git-am.log" 2>&1 || {
			git -C "$WT" am --abort >/dev/null 2>&1 || true
			cat "$LOGDIR/git-am.log" >&2
			die "patch $(basename "$p") does not apply to $BASE_TAG"
		}
	done < <(series_patches)
	[ "$n" -gt 0 ] || die "no patches in $REPO/patches"
	git -C "$GITREPO" branch -f "$APPLIED" "$(git -C "$WT" rev-parse HEAD)"
	if ! git -C "$GITREPO" rev-parse -q --verify "refs/heads/$SERIES_BRANCH" >/dev/null; then
		git -C "$GITREPO" branch "$SERIES_BRANCH" "$APPLIED"
		note "made branch $SERIES_BRANCH for your work"
	elif [ "$(git -C "$GITREPO" rev-parse "$SERIES_BRANCH^{tree}")" != \
		"$(git -C "$GITREPO" rev-parse "$APPLIED^{tree}")" ]; then
		note "branch $SERIES_BRANCH differs from patches/ (unexported work?); left as it is"
	fi
	note "applied $n patches onto $BASE_TAG: branch $APPLIED in $GITREPO"
}

# Export the developers' branch: patches/ by git format-patch, and every file
# the series touches into the mirrored paths of this repository.
export_series() {
	local range=$BASE_TAG..$SERIES_BRANCH f subject
	[ -n "$(git -C "$GITREPO" rev-list "$range")" ] || die "branch $SERIES_BRANCH has no commits over $BASE_TAG"
	rm -f "$REPO"/patches/*.patch
	mkdir -p "$REPO/patches"
	git -C "$GITREPO" format-patch -q --cover-letter --base="$BASE_TAG" \
		--no-signature -o "$REPO/patches" "$range"
	# The cover letter: a subject line, a blank line, then the body.
	subject=$(head -n 1 "$COVER_TEXT")
	python3 - "$REPO/patches/0000-cover-letter.patch" "$subject" "$COVER_TEXT" <<'PY'
import sys
path, subject, body_file = sys.argv[1:]
body = open(body_file).read().split("\n", 2)[2].rstrip("\n")
text = open(path).read()
text = text.replace("*** SUBJECT HERE ***", subject).replace("*** BLURB HERE ***", body)
open(path, "w").write(text)
PY
	# Mirror the files as they stand after the series.
	while read -r f; do
		if [ "$f" = MAINTAINERS ]; then
			continue
		fi
		if git -C "$GITREPO" cat-file -e "$SERIES_BRANCH:$f" 2>/dev/null; then
			mkdir -p "$REPO/$(dirname "$f")"
			git -C "$GITREPO" show "$SERIES_BRANCH:$f" >"$REPO/$f"
		else
			rm -f "$REPO/$f"
		fi
	done < <(git -C "$GITREPO" diff --name-only "$BASE_TAG" "$SERIES_BRANCH")
	git -C "$GITREPO" show "$SERIES_BRANCH:MAINTAINERS" >"$LOGDIR/MAINTAINERS"
	maintainers_entry "$LOGDIR/MAINTAINERS" >"$REPO/MAINTAINERS.snippet"
	note "exported $(series_patches | wc -l) patches and the mirrored files"
}

# patches/ applied to a clean base must give exactly the mirrored files.
verify() {
	local f bad=0 tracked
	apply >/dev/null
	while read -r f; do
		if [ "$f" = MAINTAINERS ]; then
			if ! grep -qxF -f <(head -n 1 "$REPO/MAINTAINERS.snippet") "$WT/MAINTAINERS" ||
				! diff -u "$REPO/MAINTAINERS.snippet" \
					<(maintainers_entry "$WT/MAINTAINERS"); then
				echo "MAINTAINERS.snippet differs from the entry the series adds"
				bad=1
			fi
			continue
		fi
		if [ -e "$WT/$f" ] && [ ! -e "$REPO/$f" ]; then
			echo "missing in the repository: $f"
			bad=1
		elif [ ! -e "$WT/$f" ] && [ -e "$REPO/$f" ]; then
			echo "the series deletes $f but the repository has it"
			bad=1
		elif [ -e "$WT/$f" ] && ! diff -u "$WT/$f" "$REPO/$f" --label "series:$f" --label "repo:$f"; then
			bad=1
		fi
	done < <(series_files)
	# Every mirrored file must come from the series.
	# shellcheck disable=SC2086 # MIRRORED is a list of paths, split on purpose
	tracked=$(cd "$REPO" && git ls-files --cached --others --exclude-standard -- $MIRRORED)
	for f in $tracked; do
		series_files | grep -qxF "$f" || { echo "not in the series: $f"; bad=1; }
	done
	[ "$bad" = 0 ] || die "patches/ and the mirrored files disagree (diff above)"
	note "patches/ and the mirrored files agree ($(series_files | wc -l) files)"
}

checkpatch() {
	local p sum bad=0
	need_wt
	while read -r p; do
		# FILE_PATH_CHANGES asks each patch that adds a file to touch
		# MAINTAINERS too; the series adds its entry in one patch.
		sum=$(perl "$WT/scripts/checkpatch.pl" --strict --no-tree \
			--ignore FILE_PATH_CHANGES "$p" 2>&1 | tee "$LOGDIR/checkpatch-$(basename "$p" .patch).log" |
			grep '^total:' || true)
		case "$sum" in
		"total: 0 errors, 0 warnings, 0 checks"*) record PASS "checkpatch $(basename "$p")" ;;
		*)
			record FAIL "checkpatch $(basename "$p")" "${sum:-no result}, log: $LOGDIR/checkpatch-$(basename "$p" .patch).log"
			bad=1
			;;
		esac
	done < <(series_patches)
	return 0
}

case ${1:-} in
apply) apply ;;
export) export_series ;;
verify)
	if (verify); then record PASS "series: patches/ agree with the mirrored files"; else
		record FAIL "series: patches/ agree with the mirrored files"
		exit 1
	fi
	;;
verify-quiet) verify ;;
checkpatch) checkpatch ;;
*) die "usage: series.sh apply|export|verify|checkpatch" ;;
esac
