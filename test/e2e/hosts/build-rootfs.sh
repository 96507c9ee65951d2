#!/usr/bin/env bash
# Builds what the end-to-end deploy test boots: a minimal Debian (or Ubuntu) root file system
# with systemd and sshd, the state an "existing host" has before smc-kit touches it, plus a
# flat apt repository holding every package the roles install, so the hosts install them
# from a mirror on the test network (the guide's offline route) instead of the internet.
#
#   build-rootfs.sh <suite> <dest> [archive-url]
#
# <dest>/rootfs  the host file system (read-only lower layer; each host boots an overlay)
# <dest>/apt     Packages + Release + the .deb files, served as `deb [trusted=yes] URL ./`
# <dest>/stamp   written last: a folder without it is incomplete and rebuilt
set -euo pipefail

suite=${1:?suite, e.g. bookworm}
dest=${2:?destination folder}
case "$suite" in
  jammy | noble) archive=${3:-http://archive.ubuntu.com/ubuntu} ;;
  *) archive=${3:-http://deb.debian.org/debian} ;;
esac

# What the role scripts install (constructs/cloud-init, provider/vms), with what they pull in.
# Kept here rather than derived so a role that starts needing a new package fails loudly in
# the test (apt cannot find it on the offline mirror) instead of silently reaching out.
role_packages=(postgresql apache2 squid haproxy nftables mosquitto curl xz-utils ca-certificates)

work=$(mktemp -d "${dest%/}.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

extra=()
script=()
trust=''
case "$suite" in
  jammy | noble)
    # debootstrap on Debian knows Ubuntu suites up to its own release; gutsy's script fits all.
    [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/gutsy)
    extra=(--components=main,universe)
    keyring=/usr/share/keyrings/ubuntu-archive-keyring.gpg
    if [ -f "$keyring" ]; then
      extra+=(--keyring="$keyring")
    else
      # Debian 12 does not package Ubuntu's archive key. This image is a test fixture, never a
      # host anyone runs: without the key it is built unverified, and says so.
      echo "build-rootfs: $keyring missing, building $suite WITHOUT signature checks" >&2
      extra+=(--no-check-gpg)
      trust='[trusted=yes] '
    fi
    ;;
esac

echo "build-rootfs: debootstrap $suite from $archive"
debootstrap --variant=minbase "${extra[@]}" \
  --include=systemd,systemd-sysv,dbus,openssh-server,iproute2,ca-certificates,sudo \
  "$suite" "$rootfs" "$archive" "${script[@]}" >"$work/debootstrap.log" 2>&1 || {
  tail -40 "$work/debootstrap.log" >&2
  exit 1
}

case "$suite" in
  jammy | noble) components="main universe" ;;
  *) components=main ;;
esac
echo "deb $trust$archive $suite $components" >"$rootfs/etc/apt/sources.list"

chroot "$rootfs" apt-get update -q >"$work/apt.log" 2>&1
# cloud-init belongs to the host image, as on any cloud or hypervisor image: hosts booted with
# a NoCloud seed run the #cloud-config smc synth writes; the others carry cloud-init.disabled.
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends cloud-init locales lsb-release >>"$work/apt.log" 2>&1 || {
  tail -40 "$work/apt.log" >&2
  exit 1
}
# Cloud images ship en_US.UTF-8 generated; cloud-init's locale step sets it.
echo 'en_US.UTF-8 UTF-8' >"$rootfs/etc/locale.gen"
chroot "$rootfs" locale-gen >>"$work/apt.log" 2>&1
cat >"$rootfs/etc/cloud/cloud.cfg.d/90-smc-e2e.cfg" <<'CFG'
# The test's hosts have no metadata service: only a seed in /var/lib/cloud/seed/nocloud.
datasource_list: [NoCloud, None]
# The site's image: its network is set up outside (the namespace), its apt sources point
# at the site's mirror. Ubuntu's cloud-init would otherwise rewrite them for the archive.
network: {config: disabled}
apt: {preserve_sources_list: true}
CFG
chroot "$rootfs" apt-get clean

echo "build-rootfs: downloading the role packages into the offline repository"
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --download-only "${role_packages[@]}" >>"$work/apt.log" 2>&1 || {
  tail -40 "$work/apt.log" >&2
  exit 1
}
mkdir -p "$work/apt"
mv "$rootfs"/var/cache/apt/archives/*.deb "$work/apt/"

# A flat repository: Packages lists each .deb's control fields plus where and what it is.
(
  cd "$work/apt"
  for deb in *.deb; do
    dpkg-deb -f "$deb"
    echo "Filename: ./$deb"
    echo "Size: $(stat -c %s "$deb")"
    echo "MD5sum: $(md5sum "$deb" | cut -d' ' -f1)"
    echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
    echo
  done >Packages
  {
    echo "Origin: smc-kit-e2e"
    echo "Label: smc-kit-e2e offline mirror"
    echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
    echo "SHA256:"
    echo " $(sha256sum Packages | cut -d' ' -f1) $(stat -c %s Packages) Packages"
  } >Release
)

# The host starts with no apt lists and no source: the test points it at its mirror.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
: >"$rootfs/etc/apt/sources.list"
# Host keys are made per host at first boot (a shared lower layer must not hold them).
rm -f "$rootfs"/etc/ssh/ssh_host_*
# No console login to wait for; sshd is how the hosts are reached.
chroot "$rootfs" systemctl mask console-getty.service getty@.service >/dev/null 2>&1 || true
cat >"$rootfs/etc/systemd/system/smc-e2e-hostkeys.service" <<'UNIT'
[Unit]
Description=SSH host keys for this host (smc-kit e2e)
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
chroot "$rootfs" systemctl enable smc-e2e-hostkeys.service >/dev/null 2>&1

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work" "$dest"
trap - EXIT
date -u +%FT%TZ >"$dest/stamp"
echo "build-rootfs: $(du -sh "$dest/rootfs" | cut -f1) root file system, $(ls "$dest/apt" | grep -c '\.deb$') packages in $dest"
