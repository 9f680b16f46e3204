"""Real headless Chromium for the tests: load a file, dump its DOM, screenshot it, print it to PDF.

    from tests.browser import chromium_or_skip, dump_dom, screenshot, print_to_pdf

    dom = dump_dom(html_file)                        # the DOM after Chromium parsed the page
    png = screenshot(html_file, out / "page.png")    # 1240 x 1754 (A4 at 150 dpi), PNG bytes
    pdf = print_to_pdf(html_file, out / "page.pdf")  # as the page prints (its own @page size)
    headless("--dump-dom", html_file.as_uri())       # anything else: flags, then the URL

Debian's ``chromium`` is installed by ``scripts/chromium.sh ensure`` (which ``make test`` runs).
Where it is missing every helper skips the test, saying how to install it. Each run gets a fresh
profile in a temporary directory and the flags that let it start on a closed network as root.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
"""Where tests leave files for people to look at (git-ignored; CI may keep it)."""

TIMEOUT_SECONDS = 60
A4_WINDOW = (1240, 1754)
"""A4 portrait at 150 dpi, in CSS pixels."""

FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where the sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the network is closed: do not wait for it
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)

INSTALL_HINT = "install it with `bash scripts/chromium.sh ensure` (Debian's chromium package, needs root)"


def chromium_path() -> str | None:
    """The Chromium binary: ``$CASELEDGER_CHROMIUM``, else ``chromium`` on the PATH, else None."""
    configured = os.environ.get("CASELEDGER_CHROMIUM", "").strip()
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in ("chromium", "/usr/bin/chromium"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def chromium_or_skip() -> str:
    """The Chromium binary, or skip the test with how to install it."""
    path = chromium_path()
    if path is None:
        pytest.skip(f"headless Chromium is not installed: {INSTALL_HINT}")
    return path


def headless(*args: str, timeout: float = TIMEOUT_SECONDS) -> subprocess.CompletedProcess[bytes]:
    """Run headless Chromium with a fresh profile and ``args`` (flags, then the URL); fail the test
    with Chromium's own messages if it exits non-zero or runs longer than ``timeout`` seconds."""
    binary = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="caseledger-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
        # Its own process group, so that a hung browser is ended with all of its helpers.
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail(f"headless Chromium did not finish in {timeout:.0f} s: {' '.join(args)}", pytrace=False)
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if result.returncode != 0:
        tail = "\n".join(stderr.decode("utf-8", "replace").splitlines()[-15:])
        pytest.fail(f"headless Chromium exited with {result.returncode}: {' '.join(args)}\n{tail}", pytrace=False)
    return result


def dump_dom(page: Path) -> str:
    """The page's DOM as Chromium serialises it once the page has loaded."""
    return headless("--dump-dom", page.resolve().as_uri()).stdout.decode("utf-8")


def screenshot(page: Path, out: Path, window: tuple[int, int] = A4_WINDOW) -> bytes:
    """A PNG of the top ``window`` (width, height) of the page, written to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    headless(f"--screenshot={out}", f"--window-size={window[0]},{window[1]}", page.resolve().as_uri())
    assert out.is_file(), f"Chromium wrote no screenshot to {out}"
    return out.read_bytes()


def print_to_pdf(page: Path, out: Path) -> bytes:
    """The page printed to PDF (its own @page size and margins; no browser header or footer)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    headless(f"--print-to-pdf={out}", "--no-pdf-header-footer", page.resolve().as_uri())
    assert out.is_file(), f"Chromium wrote no PDF to {out}"
    return out.read_bytes()


# --------------------------------------------------------------------------- reading the output

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_BYTES_PER_PIXEL = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type → channels, at 8 bits per channel


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the PNG header."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def png_distinct_rows(data: bytes) -> int:
    """How many different pixel rows the PNG has (as stored, filter byte included). A page of one
    colour has at most a few, whatever filters the encoder chose; a page of text has hundreds."""
    width, height = png_size(data)
    bit_depth, colour_type = data[24], data[25]
    assert bit_depth == 8 and colour_type in _BYTES_PER_PIXEL, f"unexpected PNG format {bit_depth}/{colour_type}"
    idat, offset = bytearray(), 8
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(bytes(idat))
    stride = 1 + width * _BYTES_PER_PIXEL[colour_type]
    assert len(raw) == stride * height, "PNG data does not match its header"
    return len({raw[i : i + stride] for i in range(0, len(raw), stride)})


_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]")


def pdf_page_sizes(data: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every MediaBox in the PDF (Chromium writes one per page)."""
    assert data.startswith(b"%PDF-"), "not a PDF"
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in _MEDIA_BOX.findall(data)]


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
