"""Callee audio for SIPp's `play_pcap_audio`: a libpcap file of RTP/PCMU packets (20 ms each)
built from (speech | silence | beep, seconds) segments, the same segments the simulated
switch's callees send (`PhoneBehavior.audio_segments`). Speech is noise bursts well over
detect_audio's threshold, the beep a 1 kHz tone (what mod_avmd looks for)."""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path

RATE, FRAME = 8000, 160  # 20 ms of PCMU


def _ulaw(sample: int) -> int:
    """G.711 mu-law of one 16-bit sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    s = min(abs(sample), clip) + bias
    exponent = max(0, int(math.log2(s)) - 7)
    mantissa = (s >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def samples(segments: list[tuple[str, float]], seed: int = 7) -> list[int]:
    rng, out = random.Random(seed), []
    for kind, seconds in segments:
        n = int(seconds * RATE)
        if kind == "speech":
            out += [int(rng.gauss(0, 6000)) for _ in range(n)]
        elif kind == "beep":
            out += [int(12000 * math.sin(2 * math.pi * 1000 * i / RATE)) for i in range(n)]
        else:
            out += [int(rng.gauss(0, 8)) for _ in range(n)]
    return out


def write_pcap(path: Path, segments: list[tuple[str, float]]) -> Path:
    """Ethernet/IPv4/UDP/RTP packets, 20 ms apart: what play_pcap_audio replays."""
    pcm = samples(segments)
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(0, len(pcm) - FRAME + 1, FRAME):
            seq = i // FRAME
            payload = bytes(_ulaw(s) for s in pcm[i : i + FRAME])
            rtp = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, i, 0x1234ABCD) + payload
            udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17,
                             0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
            eth = b"\x00" * 12 + b"\x08\x00" + ip
            usec = seq * 20_000
            f.write(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(eth), len(eth)))
            f.write(eth)
    return path
