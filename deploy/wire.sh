#!/bin/sh
# One-shot wiring of the federation in deploy/compose.yaml (the federation-wire service),
# installed in the image as /usr/local/bin/federation-wire.
#
# Every node's home is mounted at $WIRE_HOMES/<origin> (default /homes) and every node wrote
# its verifier key to $VKEYS_DIR/<origin>.vkey at start-up (docker-entrypoint.sh). Then:
#   1. each node trusts the key of every other node (`federation trust add`);
#   2. each node gets the peers listed in $WIRE_PEERS, "ORIGIN=URL" pairs separated by
#      white space: ORIGIN pulls from URL (`federation peers add`);
#   3. a few pull rounds (`federation sync`), so the nodes converge at once instead of at
#      their next scheduled pull (they keep pulling on schedule afterwards).
# The commands change the stores of the running nodes directly (SQLite WAL; a running node
# picks up new peers within seconds). Every step is idempotent: running it again changes
# nothing. In a real federation the keys come from the other centres' admins instead
# (deploy/README.md).
set -eu

homes=${WIRE_HOMES:-/homes}
vkeys=${VKEYS_DIR:-/var/lib/federation-vkeys}
peers=${WIRE_PEERS:-}

nodes=0
for home in "$homes"/*/; do
    origin=$(basename "$home")
    if [ ! -f "$vkeys/$origin.vkey" ]; then
        echo "wire: no verifier key of $origin in $vkeys (has its node started?)" >&2
        exit 1
    fi
    nodes=$((nodes + 1))
done
if [ "$nodes" -lt 2 ]; then
    echo "wire: fewer than two node homes under $homes; nothing to wire" >&2
    exit 1
fi

echo "wire: trusting each other's keys"
for home in "$homes"/*/; do
    origin=$(basename "$home")
    for keyfile in "$vkeys"/*.vkey; do
        other=$(basename "$keyfile" .vkey)
        [ "$other" = "$origin" ] && continue
        federation trust add --home "$homes/$origin" "$(cat "$keyfile")"
    done
done

echo "wire: adding peers"
for pair in $peers; do
    origin=${pair%%=*}
    url=${pair#*=}
    if [ ! -d "$homes/$origin" ] || [ "$url" = "$pair" ]; then
        echo "wire: bad WIRE_PEERS entry '$pair' (want ORIGIN=URL with ORIGIN under $homes)" >&2
        exit 1
    fi
    federation peers add --home "$homes/$origin" "$url"
done

# records cross one hop per round: nodes-1 rounds cover the longest chain of peers
echo "wire: first pull rounds"
round=1
while [ "$round" -lt "$nodes" ]; do
    for home in "$homes"/*/; do
        origin=$(basename "$home")
        federation sync --home "$homes/$origin" \
            || echo "wire: $origin: a pull failed; its scheduled pulls retry" >&2
    done
    round=$((round + 1))
done

for home in "$homes"/*/; do
    federation status --home "$homes/$(basename "$home")"
done
echo "wire: done"
