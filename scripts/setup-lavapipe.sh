#!/usr/bin/env bash
# Fetches lavapipe (Mesa's software Vulkan driver) new enough for Dawn/WebGPU, for tests and CI.
#
# Debian 12's Mesa 22.3.6 is too old for Dawn ("shaderUniform*ArrayDynamicIndexing required");
# Mesa 25 from bookworm-backports works. Its packages (and the newer libdrm they need) are downloaded
# with a private apt state and unpacked under a cache folder: the system's apt sources and packages
# are left alone. Idempotent: a second run reuses the cache.
#
# Usage: scripts/setup-lavapipe.sh [--install-deps] [DIR]     (DIR: default .vscode-test/lavapipe)
#   --install-deps  as root, apt-get install the ordinary Debian libraries lavapipe links against
#                   (libllvm15, libxcb-*, ...) when some are missing. Without it they are only listed.
# Prints on stdout, for `eval`, the variables that point Vulkan at it:
#   export FTS_LAVAPIPE_DIR=...   (what test/unit/backends/webgpu*.test.ts reads)
#   export VK_ICD_FILENAMES=...
#   export LD_LIBRARY_PATH=...
# Progress and errors go to stderr; the exit status is non-zero when lavapipe is not usable.
set -euo pipefail

install_deps=0
dir=''
for arg in "$@"; do
  case "$arg" in
    --install-deps) install_deps=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "setup-lavapipe: unknown option $arg" >&2; exit 2 ;;
    *) dir=$arg ;;
  esac
done
root_dir=$(cd "$(dirname "$0")/.." && pwd)
dir=${dir:-$root_dir/.vscode-test/lavapipe}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { echo "setup-lavapipe: $*" >&2; }
fail() { log "$*"; exit 1; }

# Packages unpacked into the cache (the rest of Mesa's dependencies come from the system).
UNPACKED=(mesa-vulkan-drivers libdrm2 libdrm-amdgpu1 libvulkan1)

print_env() {
  local lib=$1
  echo "export FTS_LAVAPIPE_DIR=$dir"
  echo "export VK_ICD_FILENAMES=$dir/root/usr/share/vulkan/icd.d/lvp_icd.json"
  echo "export LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# The folder holding libvulkan_lvp.so (the ICD names it without a folder; LD_LIBRARY_PATH finds it).
lib_dir() { find "$dir/root/usr/lib" -name libvulkan_lvp.so -printf '%h\n' 2>/dev/null | head -n1 || true; }

# Libraries lavapipe or the loader cannot resolve, one per line (empty when all resolve).
missing_libraries() {
  local lib=$1
  LD_LIBRARY_PATH=$lib ldd "$lib/libvulkan_lvp.so" "$lib/libvulkan.so.1" | awk '/not found/ { print $1 }' | sort -u
}

# Debian packages the unpacked .debs depend on that are not installed, one per line.
missing_packages() {
  local deb
  for deb in "$dir"/debs/*.deb; do dpkg-deb -f "$deb" Depends; done |
    tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' | sort -u |
    while read -r pkg; do
      [ -n "$pkg" ] || continue
      case " ${UNPACKED[*]} " in *" $pkg "*) continue ;; esac
      dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
    done
}

download_and_unpack() {
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || fail 'needs apt-get and dpkg-deb (Debian or Ubuntu).'
  # shellcheck disable=SC1091
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ "$codename" = bookworm ] || log "this recipe is for Debian 12 (bookworm); found '${codename:-unknown}', trying ${codename}-backports anyway."
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || fail "no $keyring (package debian-archive-keyring)."

  local apt="$dir/apt"
  rm -rf "$apt" "$dir/debs" "$dir/root.new"
  mkdir -p "$apt/sources" "$apt/preferences" "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/debs"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s %s-backports\nComponents: main\nSigned-By: %s\n' \
    "$codename" "$codename" "$keyring" >"$apt/sources/debian.sources"
  # A private apt: its own sources, lists and cache; nothing under /etc or /var changes.
  local opts=(
    -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
    -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$apt/preferences"
    -o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=1" -qq
  )
  log "fetching the package lists of $codename and $codename-backports from deb.debian.org..."
  apt-get "${opts[@]}" --error-on=any update >&2 || fail "apt-get update of $codename-backports failed (is deb.debian.org reachable?)."
  log 'downloading mesa-vulkan-drivers, libdrm2, libdrm-amdgpu1 (backports) and libvulkan1...'
  (cd "$dir/debs" && apt-get "${opts[@]}" download \
    "mesa-vulkan-drivers/$codename-backports" "libdrm2/$codename-backports" "libdrm-amdgpu1/$codename-backports" libvulkan1 >&2) ||
    fail 'apt-get download failed.'
  local deb
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root.new"; done
  rm -rf "$dir/root" "$apt"
  mv "$dir/root.new" "$dir/root"
}

stamp=$dir/ready
lib=$(lib_dir)
if [ ! -f "$stamp" ] || [ -z "$lib" ] || [ ! -f "$dir/root/usr/share/vulkan/icd.d/lvp_icd.json" ]; then
  rm -f "$stamp"
  download_and_unpack
  lib=$(lib_dir)
  [ -n "$lib" ] || fail "the unpacked mesa-vulkan-drivers has no libvulkan_lvp.so under $dir/root."
  ls "$dir"/debs >"$stamp"
  log "unpacked under $dir/root: $(tr '\n' ' ' <"$stamp")"
else
  log "cached in $dir"
fi

missing=$(missing_libraries "$lib")
if [ -n "$missing" ]; then
  packages=$(missing_packages | tr '\n' ' ')
  if [ "$install_deps" = 1 ] && [ "$(id -u)" = 0 ] && [ -n "$packages" ]; then
    log "installing the Debian libraries lavapipe links against: $packages"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >&2 ||
      fail "apt-get install $packages failed."
    missing=$(missing_libraries "$lib")
  fi
  [ -z "$missing" ] || fail "lavapipe cannot load: missing $(echo "$missing" | tr '\n' ' ')(install: ${packages:-?}; or rerun as root with --install-deps)."
fi

print_env "$lib"
