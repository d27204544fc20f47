#!/bin/sh
# Entrypoint of the federation image (deploy/Dockerfile).
#
# First start: if $FEDERATION_HOME has no federation.toml, create the node with
#   federation init --origin $FEDERATION_ORIGIN --country $FEDERATION_COUNTRY
#                   --name $FEDERATION_NAME --listen $FEDERATION_LISTEN (default 0.0.0.0:8470)
# Every start: if $VKEYS_DIR (default /var/lib/federation-vkeys) is writable, write the
# node's verifier key there as <origin>.vkey, for deploy/wire.sh. Then run the command
# (default: federation serve) as PID 1, so `docker stop` reaches it.
set -eu

: "${FEDERATION_HOME:=/var/lib/federation}"
export FEDERATION_HOME

if [ ! -f "$FEDERATION_HOME/federation.toml" ]; then
    if [ -z "${FEDERATION_ORIGIN:-}" ] || [ -z "${FEDERATION_COUNTRY:-}" ]; then
        echo "entrypoint: $FEDERATION_HOME holds no node; set FEDERATION_ORIGIN and FEDERATION_COUNTRY to create one" >&2
        exit 2
    fi
    echo "entrypoint: first start, creating $FEDERATION_ORIGIN in $FEDERATION_HOME" >&2
    federation init \
        --origin "$FEDERATION_ORIGIN" \
        --country "$FEDERATION_COUNTRY" \
        --name "${FEDERATION_NAME:-}" \
        --listen "${FEDERATION_LISTEN:-0.0.0.0:8470}"
fi

vkeys=${VKEYS_DIR:-/var/lib/federation-vkeys}
if [ -d "$vkeys" ] && [ -w "$vkeys" ]; then
    vkey=$(federation key show)
    origin=${vkey%%+*}
    printf '%s\n' "$vkey" > "$vkeys/.$origin.vkey.tmp"
    mv "$vkeys/.$origin.vkey.tmp" "$vkeys/$origin.vkey"
fi

exec "$@"
