"""YouTube's recommended upload settings: measure a video against them, and conform it with PyAV.

The settings (YouTube Help, "Recommended upload encoding settings"): MP4 with the moov atom at the front;
H.264 High profile, progressive, 4:2:0, closed GOP of half the frame rate, 2 consecutive B-frames; the
recommended bitrate for the resolution and frame rate; AAC-LC, stereo, 48 kHz (384 kbps recommended).

`conform` re-encodes only the streams that miss a setting and copies the others packet for packet, so a file
that already meets them is never re-encoded (no generation loss, no waiting).
"""
from __future__ import annotations

import os
import shutil
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vitmath.errors import UserError

AUDIO_RATE = 48_000
AUDIO_BITRATE = 384_000
# YouTube's SDR table, in Mbps, for (height and up, high frame rate?): standard = 24-30 fps, high = 48-60 fps.
_BITRATES = [(2160, 40, 60), (1440, 16, 24), (1080, 8, 12), (720, 5, 7.5), (480, 2.5, 4), (0, 1, 1.5)]
# A rendered file may use fewer bits than the table (flat-coloured slides compress well) but not many more:
# the table is what YouTube's own encoder is tuned for, and a larger file only uploads slower.
BITRATE_SLACK = 1.5
# x264's speed/size trade-off: `veryfast` keeps a 1080p60 lesson to minutes on a laptop, and at CRF 18 the
# picture is no worse than Manim's stock settings ("medium", CRF 23; tests/test_encoding.py).
PRESET = "veryfast"
CRF = "18"


def target_bitrate(height: int, fps: float) -> int:
    for min_height, standard, high in _BITRATES:
        if height >= min_height:
            return int((high if fps > 30 else standard) * 1_000_000)
    raise AssertionError("unreachable: the table ends at height 0")


def gop_frames(fps: float) -> int:
    """A GOP of half the frame rate: a keyframe every half second."""
    return max(1, int(round(fps)) // 2)


def probe(path: Path) -> dict:
    """Everything the settings speak of, measured from the file itself (packets, not container claims)."""
    path = Path(path)
    info: dict = {"bytes": path.stat().st_size, "moov_before_mdat": moov_before_mdat(path)}
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as e:
        raise UserError(f"{path}: not a readable video ({e})") from None
    with container as c:
        if not c.streams.video:
            raise UserError(f"{path}: has no video stream")
        v = c.streams.video[0]
        cc = v.codec_context
        fps = float(v.average_rate or v.guessed_rate)
        info.update(video_codec=cc.name, profile=cc.profile, pix_fmt=cc.pix_fmt, width=cc.width,
                    height=cc.height, fps=fps)
        packets = [(p.pts, p.dts, p.is_keyframe, p.size) for p in c.demux(v) if p.dts is not None]
        info.update(_gop_structure(packets))
        duration = float(v.duration * v.time_base) if v.duration else len(packets) / fps
        info["duration"] = duration
        info["video_bitrate"] = int(sum(p[3] for p in packets) * 8 / duration) if duration else 0
        c.seek(0)
        first = next(c.decode(video=0), None)
        info["progressive"] = first is not None and not first.interlaced_frame
        if c.streams.audio:
            a = c.streams.audio[0].codec_context
            info.update(audio_codec=a.name, audio_profile=a.profile, audio_rate=a.sample_rate,
                        audio_channels=a.channels, audio_bitrate=a.bit_rate)
    return info


def _gop_structure(packets) -> dict:
    """GOP lengths, closedness and B-frame runs from the packets' timestamps, in decode order.

    A packet shown before one already decoded (pts below the running maximum) is a B-frame. A GOP is closed
    when nothing after its keyframe is shown before that keyframe (no frame leans on the previous GOP).
    """
    keys = [i for i, p in enumerate(packets) if p[2]]
    gops = [b - a for a, b in zip(keys, keys[1:])] + ([len(packets) - keys[-1]] if keys else [])
    closed = True
    current_key_pts = None
    max_pts = None
    run = max_run = 0
    for pts, _dts, key, _size in packets:
        if key:
            current_key_pts = pts
        elif current_key_pts is not None and pts < current_key_pts:
            closed = False
        is_b = max_pts is not None and pts < max_pts
        run = run + 1 if is_b else 0
        max_run = max(max_run, run)
        max_pts = pts if max_pts is None else max(max_pts, pts)
    return {"starts_with_keyframe": bool(packets) and packets[0][2], "max_gop": max(gops, default=0),
            "closed_gop": closed, "max_consecutive_b_frames": max_run}


def moov_before_mdat(path: Path) -> bool:
    """Walk the MP4's top-level boxes: streaming needs the index (moov) before the media data (mdat)."""
    order = []
    with open(path, "rb") as f:
        size_total = os.fstat(f.fileno()).st_size
        offset = 0
        while offset + 8 <= size_total and len(order) < 64:
            f.seek(offset)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:  # 64-bit size follows
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:  # box runs to the end of the file
                size = size_total - offset
            order.append(kind)
            if size < 8:
                break
            offset += size
    return b"moov" in order and b"mdat" in order and order.index(b"moov") < order.index(b"mdat")


def video_problems(info: dict) -> list[str]:
    """The video settings this file misses (empty: the video stream can be copied as it is)."""
    want_gop = gop_frames(info["fps"])
    cap = target_bitrate(info["height"], info["fps"]) * BITRATE_SLACK
    checks = [
        (info["video_codec"] == "h264", f"codec {info['video_codec']}, not H.264"),
        (info["profile"] == "High", f"H.264 profile {info['profile']}, not High"),
        (info["pix_fmt"] == "yuv420p", f"pixel format {info['pix_fmt']}, not yuv420p"),
        (info["progressive"], "interlaced"),
        (info["starts_with_keyframe"] and info["max_gop"] <= want_gop,
         f"GOP of {info['max_gop']} frames, not {want_gop} (half of {info['fps']:g} fps)"),
        (info["closed_gop"], "open GOP"),
        (info["max_consecutive_b_frames"] == 2, f"{info['max_consecutive_b_frames']} consecutive B-frames, not 2"),
        (info["video_bitrate"] <= cap, f"video bitrate {info['video_bitrate'] / 1e6:.1f} Mbps, above "
                                       f"{cap / 1e6:.1f}"),
    ]
    return [why for ok, why in checks if not ok]


def audio_problems(info: dict) -> list[str]:
    if "audio_codec" not in info:
        return []  # a silent lesson stays silent; there is nothing to fix
    checks = [
        (info["audio_codec"] == "aac" and info["audio_profile"] == "LC",
         f"audio {info['audio_codec']} {info.get('audio_profile')}, not AAC-LC"),
        (info["audio_channels"] == 2, f"{info['audio_channels']} audio channel(s), not stereo"),
        (info["audio_rate"] == AUDIO_RATE, f"audio at {info['audio_rate']} Hz, not {AUDIO_RATE}"),
    ]
    return [why for ok, why in checks if not ok]


def problems(info: dict) -> list[str]:
    container = [] if info["moov_before_mdat"] else ["moov atom after the media data"]
    return container + video_problems(info) + audio_problems(info)


def conform(src: Path, dst: Path) -> dict:
    """Write `dst`, a copy of `src` that meets the settings; returns what was done to each stream.

    Written under a temporary name and renamed, so `dst` is either the previous file or a complete new one.
    """
    src, dst = Path(src), Path(dst)
    info = probe(src)
    redo_video, redo_audio = bool(video_problems(info)), bool(audio_problems(info))
    part = dst.with_name(f".{dst.name}.part{os.getpid()}")
    try:
        if not problems(info):  # already platform-ready: the very same bytes
            shutil.copyfile(src, part)
            os.replace(part, dst)
            return {"video": "copied", "audio": "none" if "audio_codec" not in info else "copied", "because": []}
        with av.open(str(src)) as inp, av.open(str(part), "w", format="mp4",
                                               options={"movflags": "+faststart"}) as out:
            a_in = inp.streams.audio[0] if inp.streams.audio else None
            v_in = inp.streams.video[0]
            v_out = _video_encoder(out, info) if redo_video else out.add_stream_from_template(v_in)
            a_out = None
            if a_in is not None:
                a_out = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo") if redo_audio \
                    else out.add_stream_from_template(a_in)
                if redo_audio:
                    a_out.bit_rate = AUDIO_BITRATE
                    from narration.aac import OPTIONS
                    a_out.options = OPTIONS  # encoded as the render encodes its track (narration/aac.py)
            # Audio first: it is small, and the muxer interleaves by timestamp whatever the order we feed.
            if a_in is not None:
                if redo_audio:
                    _reencode_audio(inp, a_in, out, a_out)
                else:
                    _copy(inp, a_in, out, a_out)
                inp.seek(0)  # the audio pass read the file to its end
            if redo_video:
                _reencode_video(inp, v_in, out, v_out)
            else:
                _copy(inp, v_in, out, v_out)
        os.replace(part, dst)
    finally:
        part.unlink(missing_ok=True)
    return {"video": "re-encoded" if redo_video else "copied",
            "audio": "none" if "audio_codec" not in info else ("re-encoded" if redo_audio else "copied"),
            "because": problems(info)}


def _copy(inp, s_in, out, s_out) -> None:
    for packet in inp.demux(s_in):
        if packet.dts is None:  # the demuxer's flush packet
            continue
        packet.stream = s_out
        out.mux(packet)


def x264_options(height: int, fps: float) -> dict[str, str]:
    """libx264 settings that meet the platform's: used for the render's own segments (so publish copies
    them) and for re-encoding a file that misses them.

    Constant quality, capped: CRF 18 is visually lossless on our slides and spends far fewer bits than the
    platform's table on a held frame; the table's rate caps the busiest animation (VBV over two seconds)."""
    gop, rate = gop_frames(fps), target_bitrate(height, fps)
    return {
        "profile": "high",
        "preset": PRESET,
        "crf": CRF,
        "maxrate": str(rate),
        "bufsize": str(2 * rate),
        # Fixed GOP, no scene-cut keyframes, closed GOPs, and exactly two B-frames between references.
        "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0:bframes=2:b-adapt=0:interlaced=0",
        "flags": "+cgop",
    }


def _video_encoder(out, info):
    fps = Fraction(info["fps"]).limit_denominator(1001)
    stream = out.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = info["width"], info["height"], "yuv420p"
    stream.codec_context.time_base = 1 / fps
    stream.options = x264_options(info["height"], info["fps"])
    return stream


def _reencode_video(inp, v_in, out, v_out) -> None:
    for n, frame in enumerate(inp.decode(v_in)):
        frame = frame.reformat(format="yuv420p") if frame.format.name != "yuv420p" else frame
        frame.pts, frame.time_base = n, v_out.codec_context.time_base
        frame.pict_type = av.video.frame.PictureType.NONE  # let the encoder place the keyframes
        for packet in v_out.encode(frame):
            out.mux(packet)
    for packet in v_out.encode(None):
        out.mux(packet)


def _reencode_audio(inp, a_in, out, a_out) -> None:
    from narration.aac import encode_into

    resampler = av.AudioResampler(format="fltp", layout=a_in.layout.name, rate=AUDIO_RATE)
    chunks = [f.to_ndarray() for frame in inp.decode(a_in) for f in resampler.resample(frame)]
    chunks += [f.to_ndarray() for f in resampler.resample(None)]
    planar = np.concatenate(chunks, axis=1) if chunks else np.zeros((1, 0), np.float32)
    if planar.shape[0] == 1:
        # Loudness (ITU-R BS.1770) adds the channels' powers: the same signal on two channels at full level
        # reads 3 dB louder. At -3.01 dB each, the stereo file keeps the mono mix's -14 LUFS.
        planar = np.repeat(planar * np.float32(10 ** (-3.0103 / 20)), 2, axis=0)
    elif planar.shape[0] > 2:
        planar = planar[:2]
    encode_into(out, a_out, np.ascontiguousarray(planar.T), AUDIO_RATE, "stereo")
