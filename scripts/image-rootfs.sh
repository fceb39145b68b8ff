#!/usr/bin/env bash
# Assembles the delivery service image's root filesystem from a built binary (make image, the Containerfile):
#
#   scripts/image-rootfs.sh BINARY DIR
#
# DIR/rootfs gets the binary (stripped) at /usr/local/bin/delivery-service, the shared libraries `ldd` lists for it
# (glibc's, with the loader, at the paths the binary asks for), /etc/passwd and /etc/group naming the unprivileged
# user it runs as (65532), /etc/nsswitch.conf (names from /etc/hosts, then DNS) and a world-writable /tmp. DIR/data
# is the empty /data the image copies in owned by that user. Nothing else: no shell, no package manager. TLS roots
# are compiled into the binary (rustls with webpki-roots), so no CA bundle is needed.
set -euo pipefail

binary=${1:?usage: scripts/image-rootfs.sh BINARY DIR}
out=${2:?usage: scripts/image-rootfs.sh BINARY DIR}
rootfs="$out/rootfs"

rm -rf "$out"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/tmp" "$out/data"
chmod 1777 "$rootfs/tmp"
cp "$binary" "$rootfs/usr/local/bin/delivery-service"
strip "$rootfs/usr/local/bin/delivery-service"

# Each library at the path the dynamic linker looks for it, copied through symlinks.
libraries=$(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$libraries" ] || { echo "image-rootfs: ldd listed no libraries for $binary" >&2; exit 1; }
for library in $libraries; do
  mkdir -p "$rootfs$(dirname "$library")"
  cp -L "$library" "$rootfs$library"
done

printf 'root:x:0:0:root:/:/sbin/nologin\ndelivery:x:65532:65532:delivery-service:/data:/sbin/nologin\n' \
  > "$rootfs/etc/passwd"
printf 'root:x:0:\ndelivery:x:65532:\n' > "$rootfs/etc/group"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
