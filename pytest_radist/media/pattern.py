"""What a media peer sends, and how to read it back: a video whose frames
carry their number, and a tone.

The frame number is drawn into the top 16 rows of the luma plane as 24
blocks, bright for 1 and dark for 0: 16 bits of the counter, then 8 bits of
a check, so a frame of any other source (a browser's camera) reads as no
number at all. Blocks this large survive a video codec's loss.
"""

from __future__ import annotations

import asyncio
import math
import time
from array import array
from fractions import Fraction
from typing import Any, Optional

import av
from aiortc import MediaStreamTrack

WIDTH, HEIGHT, FPS = 320, 240, 15
SAMPLE_RATE, TONE_HZ, AUDIO_PTIME = 48000, 440, 0.020
BITS, BLOCK_HEIGHT = 24, 16
BLOCK_WIDTH = WIDTH // BITS
BRIGHT, DARK, BACKGROUND = 235, 16, 96
VIDEO_CLOCK = 90000


def _check(counter: int) -> int:
    return ((counter ^ (counter >> 8)) & 0xFF) ^ 0x5A


def _bits(counter: int) -> list[int]:
    value = (counter & 0xFFFF) | (_check(counter & 0xFFFF) << 16)
    return [(value >> bit) & 1 for bit in range(BITS)]


def read_counter(frame: Any) -> Optional[int]:
    """The number a pattern frame carries, or ``None`` (another source, or
    a frame too damaged to read)."""
    if frame.width < WIDTH or frame.height < BLOCK_HEIGHT:
        return None
    if frame.width != WIDTH or frame.height != HEIGHT or frame.format.name != "yuv420p":
        frame = frame.reformat(width=WIDTH, height=HEIGHT, format="yuv420p")
    plane = frame.planes[0]
    luma = bytes(plane)
    row = (BLOCK_HEIGHT // 2) * plane.line_size
    value = 0
    for bit in range(BITS):
        level = luma[row + bit * BLOCK_WIDTH + BLOCK_WIDTH // 2]
        if level > (BRIGHT + DARK) // 2:
            value |= 1 << bit
        elif level > DARK + 40 and level < BRIGHT - 40:
            return None  # neither bright nor dark: not a pattern
    counter = value & 0xFFFF
    return counter if value >> 16 == _check(counter) else None


class PatternVideo(MediaStreamTrack):
    """320x240 at 15 frames a second, each carrying its number."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self._start: Optional[float] = None
        self._background = bytes([BACKGROUND]) * (WIDTH * HEIGHT)
        self._chroma = bytes([128]) * (WIDTH * HEIGHT // 4)

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.count / FPS
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        luma = bytearray(self._background)
        blocks = [bytes([BRIGHT if bit else DARK]) * BLOCK_WIDTH for bit in _bits(self.count)]
        stripe = b"".join(blocks) + bytes([BACKGROUND]) * (WIDTH - BITS * BLOCK_WIDTH)
        for y in range(BLOCK_HEIGHT):
            luma[y * WIDTH:(y + 1) * WIDTH] = stripe
        bar = (self.count * 4) % WIDTH  # a moving bar, for a person looking at a frame
        for y in range(BLOCK_HEIGHT + 8, HEIGHT, 1):
            luma[y * WIDTH + bar:y * WIDTH + min(bar + 8, WIDTH)] = bytes([BRIGHT]) * min(8, WIDTH - bar)
        _fill(frame.planes[0], bytes(luma), WIDTH)
        _fill(frame.planes[1], self._chroma, WIDTH // 2)
        _fill(frame.planes[2], self._chroma, WIDTH // 2)
        frame.pts = self.count * (VIDEO_CLOCK // FPS)
        frame.time_base = Fraction(1, VIDEO_CLOCK)
        self.count += 1
        return frame


def _fill(plane: Any, data: bytes, width: int) -> None:
    """A plane's rows from tightly packed ``data`` (a plane's rows may be padded)."""
    stride = plane.line_size
    if stride == width:
        plane.update(data)
        return
    rows = len(data) // width
    padded = bytearray(stride * rows)
    for y in range(rows):
        padded[y * stride:y * stride + width] = data[y * width:(y + 1) * width]
    plane.update(bytes(padded))


class Tone(MediaStreamTrack):
    """A 440 Hz tone, 48 kHz mono, in 20 ms frames."""

    kind = "audio"
    #: One second of the tone: 440 whole periods, so it loops without a click.
    _SECOND = array("h", (int(8000 * math.sin(2 * math.pi * TONE_HZ * n / SAMPLE_RATE)) for n in range(SAMPLE_RATE)))

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self._start: Optional[float] = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.count * AUDIO_PTIME
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        samples = int(SAMPLE_RATE * AUDIO_PTIME)
        offset = (self.count * samples) % SAMPLE_RATE
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(self._SECOND[offset:offset + samples].tobytes())
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self.count * samples
        frame.time_base = Fraction(1, SAMPLE_RATE)
        self.count += 1
        return frame
