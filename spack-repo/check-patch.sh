#!/usr/bin/env bash
# Checks relocatable-paths.patch against every Slurm release the recipe lists, taking each release from a git clone
# of SchedMD/slurm (tags slurm-<a>-<b>-<c>-1):
#   - the patch applies with no fuzz (offsets are fine);
#   - what it relies on is there: read_config.h declares default_plugin_path and default_slurm_config_file,
#     src/common/Makefile.am generates both from $(pkglibdir) and $(sysconfdir) and passes -DSBINDIR, configure.ac
#     defines SLURM_PREFIX, and slurm_get_stepd_loc() and PMI-2 spawn name the paths the patch maps.
# With --write it records the result in relocatable-paths.checked beside the patch (the patch's sha256 and one line
# per release); a CI test fails when the recipe lists a release, or carries a patch, that the record does not cover.
#
#   bash spack-repo/check-patch.sh <SchedMD/slurm git directory> [--write]
set -euo pipefail
git_dir=${1:?usage: check-patch.sh <SchedMD/slurm git directory> [--write]}
write=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
pkg="$here/spack_repo/slurm_factory/packages/slurm"
patch_file="$pkg/relocatable-paths.patch"
record="$pkg/relocatable-paths.checked"
versions=$(python3 - "$pkg/package.py" <<'PY'
import re, sys
print(" ".join(dict.fromkeys(re.findall(r'version\(\s*"(\d+\.\d+\.\d+)"', open(sys.argv[1]).read()))))
PY
)
files=(src/common/read_config.c src/common/read_config.h src/common/slurm_protocol_api.c
  src/plugins/mpi/pmi2/spawn.c src/common/Makefile.am configure.ac)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
lines=()
for version in $versions; do
  tag="slurm-${version//./-}-1"
  dir="$scratch/$version"
  mkdir -p "$dir"
  if ! commit=$(git --git-dir="$git_dir" rev-parse --verify --quiet "$tag^{commit}") ||
    ! git --git-dir="$git_dir" archive "$tag" "${files[@]}" | tar -x -C "$dir"; then
    echo "$version: FAIL no tag $tag in $git_dir"; failed=1; continue
  fi
  problems=()
  out=$(cd "$dir" && patch -p1 --dry-run --fuzz=0 <"$patch_file" 2>&1) || problems+=("patch does not apply: $out")
  need() { grep -q -- "$2" "$dir/$1" || problems+=("$1 lacks $2"); }
  need src/common/read_config.h 'extern char \*default_plugin_path;'
  need src/common/read_config.h 'extern char \*default_slurm_config_file;'
  need src/common/Makefile.am 'default_plugin_path = \\"$(pkglibdir)\\"'
  need src/common/Makefile.am 'default_slurm_config_file = \\"$(sysconfdir)/slurm.conf\\"'
  need src/common/Makefile.am '-DSBINDIR=\\"$(sbindir)\\"'
  need configure.ac 'AC_DEFINE_UNQUOTED(SLURM_PREFIX'
  if ((${#problems[@]})); then
    echo "$version: FAIL ${problems[*]}"; failed=1
  else
    offsets=$(grep -c 'offset' <<<"$out" || true)
    echo "$version: OK ($offsets hunk(s) at an offset)"
    lines+=("$version $tag $commit applies")
  fi
done
if [[ $write == --write ]]; then
  if ((failed)); then echo "not writing $record: some releases failed" >&2; exit 1; fi
  {
    echo "# relocatable-paths.patch $(sha256sum "$patch_file" | cut -d' ' -f1)"
    echo "# Written by spack-repo/check-patch.sh from SchedMD's git: version, tag, commit, result."
    printf '%s\n' "${lines[@]}"
  } >"$record"
  echo "recorded in $record"
fi
exit $failed
