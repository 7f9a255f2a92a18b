#!/usr/bin/env bash
# Checks that relocatable-plugin-dir.patch applies to src/common/read_config.c of every Slurm release the recipe
# lists, and that what the patch relies on is there (default_plugin_path declared in read_config.h, SLURM_PREFIX
# defined by configure.ac), taking each release from a git clone of SchedMD/slurm (tags slurm-<a>-<b>-<c>-1).
#
#   bash spack-repo/check-patch.sh <SchedMD/slurm git directory>
set -euo pipefail
git_dir=${1:?usage: check-patch.sh <SchedMD/slurm git directory>}
here=$(cd "$(dirname "$0")" && pwd)
pkg="$here/spack_repo/slurm_factory/packages/slurm"
patch_file="$pkg/relocatable-plugin-dir.patch"
versions=$(python3 - "$pkg/package.py" <<'PY'
import re, sys
print(" ".join(dict.fromkeys(re.findall(r'version\(\s*"(\d+\.\d+\.\d+)"', open(sys.argv[1]).read()))))
PY
)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
for version in $versions; do
  tag="slurm-${version//./-}-1"
  dir="$scratch/$version"
  mkdir -p "$dir"
  if ! git --git-dir="$git_dir" archive "$tag" src/common/read_config.c src/common/read_config.h configure.ac |
    tar -x -C "$dir"; then
    echo "$version: FAIL no tag $tag in $git_dir"; failed=1; continue
  fi
  problems=()
  out=$(cd "$dir" && patch -p1 --dry-run <"$patch_file" 2>&1) || problems+=("patch does not apply: $out")
  grep -q 'extern char \*default_plugin_path;' "$dir/src/common/read_config.h" ||
    problems+=("read_config.h does not declare default_plugin_path")
  grep -q 'AC_DEFINE_UNQUOTED(SLURM_PREFIX' "$dir/configure.ac" || problems+=("configure.ac does not define SLURM_PREFIX")
  if ((${#problems[@]})); then
    echo "$version: FAIL ${problems[*]}"; failed=1
  else
    echo "$version: OK ($(echo "$out" | grep -c 'offset' || true) hunk(s) at an offset)"
  fi
done
exit $failed
