"""Fixtures for the signing tests: a software card in-process, a small PDF, the CLI runner."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mynalib.card import JpkiCard, open_card
from mynalib.card.virtual import CardProfile
from mynalib.cli import main
from mynalib.secrets import Pin
from mynalib.signing import CardSigner

SEED = "signing-tests"
#: the software card's signing password in these tests (not the documented default)
PASSWORD = "Q7W3E9R2K"


def minimal_pdf(text: str = "Hello", pages: int = 1) -> bytes:
    """A small valid PDF (Helvetica text on A4 pages), written by hand: no PDF library needed."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
        + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        stream = f"BT /F1 24 Tf 72 720 Td ({text} {i + 1}) Tj ET".encode()
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


@pytest.fixture
def profile() -> CardProfile:
    return CardProfile.generate(SEED, sign_pin=PASSWORD)


@pytest.fixture
def card(profile: CardProfile) -> Iterator[JpkiCard]:
    with open_card("virtual", profile) as session:
        yield session


@pytest.fixture
def signer(card: JpkiCard) -> CardSigner:
    return CardSigner(card, Pin(PASSWORD, "sign"))


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    return CardProfile.generate(SEED, sign_pin=PASSWORD).save(tmp_path / "card.json")


@pytest.fixture(autouse=True)
def _no_handler_pileup() -> Iterator[None]:
    yield
    root = logging.getLogger("mynalib")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def tries(path: Path) -> int:
    return CardProfile.load(path).tries_left["sign"]
