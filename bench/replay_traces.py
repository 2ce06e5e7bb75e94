#!/usr/bin/env python3
"""Writes synthetic Chakra ET traces for the replay speed benchmark (bench/replay_scale.sh).

  replay_traces.py single DIR   one rank, 100,000 nodes
  replay_traces.py ranks DIR    1,024 ranks, 1,000 nodes each

Nodes: COMP nodes (duration 5..200 us, seeded) in several chains with cross links, and every
100th node an all-reduce of 64 MiB over all ranks (comm_size/comm_type, no pg_name: the whole
replay). Encoded by hand (varint-length-prefixed GlobalMetadata then Node messages,
field numbers as sim/workload/chakra_et.proto) so no protobuf module is needed.
"""
import os
import random
import sys


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


def attr_int(name, v):
    return field_bytes(10, field_bytes(1, name) + field_varint(9, v))


def attr_bool(name, v):
    return field_bytes(10, field_bytes(1, name) + field_varint(27, 1 if v else 0))


def node(nid, kind, deps, dur, extra=b""):
    body = field_varint(1, nid) + field_bytes(2, b"n%d" % nid) + field_varint(3, kind)
    if deps:
        body += field_bytes(5, b"".join(varint(d) for d in deps))
    body += field_varint(7, dur) + attr_bool(b"is_cpu_op", False) + extra
    return varint(len(body)) + body


def rank_bytes(rank, nodes, rng):
    meta = field_bytes(2, field_bytes(1, b"rank") + field_varint(9, rank))
    out = [varint(len(meta)) + meta]
    for i in range(nodes):
        deps = []
        if i >= 4:
            deps.append(i - 4)  # four interleaved chains
        if i >= 50 and rng.random() < 0.2:
            deps.append(rng.randrange(i - 50, i - 4))
        if i % 100 == 99:
            extra = attr_int(b"comm_type", 0) + attr_int(b"comm_size", 64 << 20)
            out.append(node(i, 7, sorted(set(deps)), 0, extra))
        else:
            out.append(node(i, 4, sorted(set(deps)), rng.randrange(5, 200)))
    return b"".join(out)


def main():
    what, folder = sys.argv[1], sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    ranks, nodes = (1, 100_000) if what == "single" else (1024, 1000)
    for r in range(ranks):
        rng = random.Random(r)
        with open(os.path.join(folder, "bench.%d.et" % r), "wb") as f:
            f.write(rank_bytes(r, nodes, rng))


if __name__ == "__main__":
    main()
