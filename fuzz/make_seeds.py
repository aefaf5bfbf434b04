#!/usr/bin/env python3
"""Writes the binary seeds of fuzz/corpus/gzip/: compressed request bodies in the shapes clients
and attackers send. Deterministic (no mtime in the gzip header); rerun after changing it:
    fuzz/make_seeds.py
"""
import gzip
import pathlib
import zlib

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "corpus" / "gzip"
BATCH = (HERE / "corpus" / "event_parser" / "batch_segment_node.json").read_bytes()
TRACK = (HERE / "corpus" / "event_parser" / "track_skew.json").read_bytes()


def gz(data, level=6):
    return gzip.compress(data, compresslevel=level, mtime=0)


def raw_deflate(data, level=6):
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


SEEDS = {
    "batch.gz": gz(BATCH),                               # what the Segment SDKs send
    "batch_stored.gz": gz(BATCH, level=0),               # stored (uncompressed) blocks
    "track.zlib": zlib.compress(TRACK),                  # Content-Encoding: deflate (zlib wrapper)
    "track_raw_deflate.bin": raw_deflate(TRACK),         # deflate without a wrapper (refused)
    "empty.gz": gz(b""),
    "two_members.gz": gz(b'{"batch":[') + gz(b"]}"),     # concatenated members (refused)
    "trailing_garbage.gz": gz(TRACK) + b"\x00garbage",   # bytes after the stream (refused)
    "truncated.gz": gz(BATCH)[:-9],                      # cut inside the trailer
    "bad_crc.gz": gz(TRACK)[:-8] + b"\xde\xad\xbe\xef" + gz(TRACK)[-4:],
    "bomb_1mib.gz": gz(b"\x00" * ((1 << 20) + 1), level=9),  # one byte over the fuzzer's bound
    "bomb_64kib.zlib": zlib.compress(b"A" * 65536, 9),
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (OUT / name).write_bytes(data)
        print(f"{OUT.relative_to(HERE.parent)}/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
