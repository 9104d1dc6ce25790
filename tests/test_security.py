"""Cross-cutting security promises (README, docs/CARD.md §5), checked across the whole package.

The area tests prove each piece on its own (Pin masking, APDU redaction, token-free portal logs,
the vault file, XML bombs). This module covers what falls between them:

* static scans of ``mynalib/`` (and the notebooks' code): every XML parse goes through the safe
  helper ``mynalib.sources.xml``; ``Pin.reveal()`` only ever feeds an APDU or a comparison; no
  value with a secret's name is printed, logged or echoed; no command-line option carries a real
  PIN, token or passphrase; no shell, and child processes only in the demo launcher. Each scanner
  is run on a bad snippet first, so it is known to be able to fail;
* one end-to-end run through the ``myna`` commands, in-process (software card, the sandbox ASGI
  app behind a recorder that harvests every token the portal hands out, a real encrypted vault),
  with ``--traffic`` on, every logger at the lowest level captured *before* redaction: no PIN, no
  token (access, refresh, ID token, authorization code, PKCE verifier), no full My Number of any
  household member, and not the vault passphrase in stdout/stderr, logs, exception texts, or any
  file under the home and vault folders; the vault file holds no plaintext of any stored document;
  vault folder 0700, vault files, the ``--log-file`` and the software-card profile 0600 under
  a permissive umask; the traffic log shows only the last 4 digits of the My Number;
* the Python API with a plain root handler (no redaction filter installed) and httpx/httpcore
  asked for DEBUG: still nothing secret, and no httpx/httpcore debug record;
* ``myna demo``: the Voila and sandbox command lines carry no token, Voila never gets
  ``--show_tracebacks``; a real Voila writes no token to its log even for failed requests;
* reprs and the dashboard: a PIN-carrying ``CommandAPDU`` hides its data; a mistyped PIN in the
  overview's fetch panel is explained in Japanese and shown nowhere.
"""

from __future__ import annotations

import ast
import contextlib
import http.client
import json
import logging
import os
import re
import stat
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mynalib.samples import HOUSEHOLD

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "mynalib"

AUTH_PIN = "8461"
KENHOJO_PIN = "5307"
WRONG_PIN = "5820"
PINS = (AUTH_PIN, KENHOJO_PIN, WRONG_PIN)
PASSPHRASE = "security-test passphrase 7f3c9a"
PORTAL = "http://sandbox.test"


def _package_files() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _notebook_sources() -> list[tuple[str, str]]:
    """(name, code) of every code cell of the repository's notebooks (magics dropped)."""
    out = []
    for nb in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("dashboards/*.ipynb")]):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            src = "\n".join(
                "" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines()
            )
            out.append((f"{_rel(nb)}#cell{i}", src))
    return out


# =========================================================================== static scans
# ------------------------------------------------------------------------------------ XML
XML_ROOTS = ("xml", "lxml", "defusedxml", "xmltodict", "bs4", "html5lib")
#: stdlib XML modules nothing in mynalib may import at all (the helper uses lxml)
FORBIDDEN_XML_MODULES = ("xml.dom", "xml.sax", "xml.parsers", "xmltodict", "bs4", "html5lib")
PARSE_FUNCTIONS = {
    "fromstring",
    "fromstringlist",
    "XML",
    "XMLID",
    "parse",
    "iterparse",
    "XMLParser",
    "XMLPullParser",
    "HTMLParser",
    "parseString",
    "read_xml",
}
SAFE_HELPER = "mynalib/sources/xml.py"


def xml_parse_violations(source: str, name: str) -> list[str]:
    """XML parsing in ``source`` that does not go through :mod:`mynalib.sources.xml`."""
    tree = ast.parse(source)
    aliases: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in XML_ROOTS:
                    if a.name.startswith(FORBIDDEN_XML_MODULES):
                        found.append(f"{name}:{node.lineno}: imports {a.name}")
                    aliases.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] not in XML_ROOTS:
                continue
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if full.startswith(FORBIDDEN_XML_MODULES):
                    found.append(f"{name}:{node.lineno}: imports {full}")
                if a.name in PARSE_FUNCTIONS:
                    found.append(f"{name}:{node.lineno}: imports the parser {full}")
                aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "read_xml":  # pandas.read_xml: its own lxml/etree set-up
            found.append(f"{name}:{node.lineno}: {ast.unparse(node.func)}")
            continue
        if node.func.attr not in PARSE_FUNCTIONS:
            continue
        base = node.func.value
        while isinstance(base, ast.Attribute):
            base = base.value
        if isinstance(base, ast.Name) and base.id in aliases:
            found.append(f"{name}:{node.lineno}: {ast.unparse(node.func)}")
    return found


def test_xml_scanner_catches_unsafe_parsing() -> None:
    bad = (
        "from lxml import etree\n"
        "import xml.etree.ElementTree as ET\n"
        "from xml.dom import minidom\n"
        "from lxml.etree import fromstring\n"
        "import pandas as pd\n"
        "etree.fromstring(b'<a/>')\n"
        "ET.parse('f.xml')\n"
        "pd.read_xml('f.xml')\n"
        "import lxml.etree\n"
        "lxml.etree.iterparse('f')\n"
    )
    hits = xml_parse_violations(bad, "bad.py")
    for needle in ("etree.fromstring", "ET.parse", "minidom", "imports the parser", "read_xml"):
        assert any(needle in h for h in hits), (needle, hits)
    assert any("lxml.etree.iterparse" in h for h in hits), hits
    # building and serialising trees is fine
    ok = "from lxml import etree\nroot = etree.SubElement(x, 'a')\netree.tostring(root)\n"
    assert xml_parse_violations(ok, "ok.py") == []


def test_every_xml_parse_in_the_package_and_notebooks_goes_through_the_safe_helper() -> None:
    hits: list[str] = []
    scanned = 0
    for path in _package_files():
        if _rel(path) == SAFE_HELPER:
            continue
        hits += xml_parse_violations(path.read_text(encoding="utf-8"), _rel(path))
        scanned += 1
    for name, code in _notebook_sources():
        hits += xml_parse_violations(code, name)
    assert scanned > 50
    assert not hits, "XML parsed outside mynalib.sources.xml.parse_xml:\n" + "\n".join(hits)
    # and the importers really use the helper
    for module in ("kojo_xml", "kenshin_cda", "dsig"):
        assert "parse_xml(" in (PKG / "sources" / f"{module}.py").read_text(encoding="utf-8")


def test_the_safe_helper_only_parses_with_the_hardened_parser() -> None:
    """In ``mynalib/sources/xml.py`` every lxml parse call passes ``make_parser()``, and that
    parser is built with entity resolution, network, DTD loading and huge trees off."""
    tree = ast.parse((ROOT / SAFE_HELPER).read_text(encoding="utf-8"))
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in PARSE_FUNCTIONS - {"XMLParser"}
    ]
    assert calls, "the helper parses nothing?"
    for call in calls:
        parser = call.args[1] if len(call.args) > 1 else None
        parser = parser or next((k.value for k in call.keywords if k.arg == "parser"), None)
        assert isinstance(parser, ast.Call) and ast.unparse(parser.func) == "make_parser", (
            ast.unparse(call)
        )
    (ctor,) = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("XMLParser")
    ]
    flags = {k.arg: k.value.value for k in ctor.keywords if isinstance(k.value, ast.Constant)}
    assert flags["resolve_entities"] is False and flags["no_network"] is True
    assert flags["huge_tree"] is False and flags["load_dtd"] is False


# ---------------------------------------------------------------------------- Pin.reveal()
def reveal_violations(source: str, name: str) -> list[str]:
    """``Pin.reveal()`` used other than as APDU data, in a comparison, or discarded (a check)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "reveal"
        ):
            continue
        parent = parents.get(node)
        ok = (
            isinstance(parent, ast.Expr)
            or isinstance(parent, ast.Compare)
            or (
                isinstance(parent, ast.Call)
                and node in parent.args
                and ast.unparse(parent.func).split(".")[-1] == "CommandAPDU"
            )
        )
        if not ok:
            found.append(f"{name}:{node.lineno}: {ast.unparse(parent or node)}")
    # the buffer behind reveal() is touched only by mynalib/secrets.py
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "_buf":
            found.append(f"{name}:{node.lineno}: touches Pin._buf")
    return found


def test_reveal_scanner_catches_leaks() -> None:
    bad = (
        "print(pin.reveal())\n"
        "log.debug('%s', pin.reveal())\n"
        "x = f'{pin.reveal()}'\n"
        "value = pin.reveal()\n"
        "raise ValueError(pin.reveal())\n"
        "pin._buf.decode()\n"
    )
    assert len(reveal_violations(bad, "bad.py")) == 6
    ok = "pin.reveal()\nCommandAPDU(0, 0x20, 0, 0x80, pin.reveal())\nsame = a.reveal() == b.reveal()\n"
    assert reveal_violations(ok, "ok.py") == []


def test_pin_reveal_only_feeds_an_apdu_or_a_comparison() -> None:
    hits: list[str] = []
    uses = 0
    for path in _package_files():
        if _rel(path) == "mynalib/secrets.py":
            continue
        text = path.read_text(encoding="utf-8")
        uses += text.count(".reveal()")
        hits += reveal_violations(text, _rel(path))
    for name, code in _notebook_sources():
        hits += reveal_violations(code, name)
    assert uses >= 3  # jpki VERIFY + CHANGE REFERENCE DATA + the check before VERIFY
    assert not hits, "Pin.reveal() used where it could leak:\n" + "\n".join(hits)


# ---------------------------------------------------------------- printing / logging names
#: a name (variable or attribute) that holds a secret
SECRET_NAME = re.compile(
    r"(?i)^(\w*_)?(pin|pins|passphrase|password|secret|token|verifier|my_number)$"
)
OUTPUT_ATTRS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
OUTPUT_FUNCS = {"print", "echo", "secho"}
#: (file, name) → why printing it is fine
ALLOWED_OUTPUT = {
    # KenhojoInfo.my_number is masked unless --full-number (the end-to-end test below checks both)
    ("mynalib/commands/card.py", "my_number"): "masked unless --full-number",
}


def output_violations(source: str, name: str) -> list[tuple[str, str]]:
    """(where, name) of secret-named values passed to print/echo/log calls in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        is_output = (isinstance(f, ast.Name) and f.id in OUTPUT_FUNCS) or (
            isinstance(f, ast.Attribute) and f.attr in OUTPUT_ATTRS | OUTPUT_FUNCS
        )
        if not is_output:
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for sub in ast.walk(arg):
                ident = (
                    sub.id
                    if isinstance(sub, ast.Name)
                    else sub.attr
                    if isinstance(sub, ast.Attribute)
                    else None
                )
                if ident and (SECRET_NAME.match(ident) or ident == "reveal"):
                    found.append((f"{name}:{node.lineno}: {ast.unparse(node)[:120]}", ident))
    return found


def test_output_scanner_catches_secret_names() -> None:
    bad = (
        "print(pin)\n"
        "click.echo(f'token {session.access_token}')\n"
        "log.info('%s', self.refresh_token)\n"
        "logger().warning('pass %s', passphrase)\n"
        "log.debug('v=%s', code_verifier)\n"
        "echo(info.my_number)\n"
    )
    assert len(output_violations(bad, "bad.py")) == 6
    assert output_violations("print(PIN_TITLES[w], tokens_left, pin_hint_len)\n", "ok") == []


def test_no_secret_named_value_is_printed_logged_or_echoed() -> None:
    hits = []
    for path in _package_files():
        for where, ident in output_violations(path.read_text(encoding="utf-8"), _rel(path)):
            if (_rel(path), ident) not in ALLOWED_OUTPUT:
                hits.append(where)
    for name, code in _notebook_sources():
        hits += [where for where, _ in output_violations(code, name)]
    assert not hits, "a secret may be printed or logged:\n" + "\n".join(hits)


# ------------------------------------------------------------------------ the command line
#: options that take a PIN on the command line, allowed only for the TEST-ONLY software card
#: (its profile file stores these PINs in clear anyway; they protect nothing real)
SOFTWARE_CARD_PIN_OPTIONS = {
    ("card serve-virtual", "auth_pin"),
    ("card serve-virtual", "sign_pin"),
    ("card serve-virtual", "kenhojo_pin"),
    ("card reset-virtual", "auth_pin"),
    ("card reset-virtual", "sign_pin"),
    ("card reset-virtual", "kenhojo_pin"),
}
SECRET_OPTION = re.compile(r"(?i)(pin|passphrase|password|secret|token|verifier)")


def _walk_commands(cmd: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    yield prefix.strip(), cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _walk_commands(sub, f"{prefix} {name}")


def test_no_command_line_option_takes_a_pin_token_or_passphrase() -> None:
    """A value on the command line shows in ``ps`` and the shell history: PINs are prompted for
    (getpass), tokens and the passphrase never come from arguments."""
    import click

    from mynalib.cli import main

    seen = set()
    hits = []
    for path, cmd in _walk_commands(main):
        for param in cmd.params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            names = [param.name or "", *param.opts]
            if any(SECRET_OPTION.search(n) for n in names):
                seen.add((path, param.name))
                if (path, param.name) not in SOFTWARE_CARD_PIN_OPTIONS:
                    hits.append(f"myna {path} {'/'.join(param.opts)}")
    assert not hits, "secret on the command line: " + ", ".join(hits)
    assert seen == SOFTWARE_CARD_PIN_OPTIONS  # the scan sees them (and the list is not stale)
    # the commands that need a real PIN have no option for it
    for path, cmd in _walk_commands(main):
        if path in {"login", "card info", "card pin-change"}:
            assert not any(
                "pin" in (p.name or "")
                for p in cmd.params
                if isinstance(p, click.Option) and not p.is_flag
            )


#: child processes outside the demo launcher: (file, call) -> the only command line allowed
CHILD_PROCESSES = {
    # import workers (Vault.import_files(workers=...)): a fixed module, paths go over stdin
    ("mynalib/vault/importer.py", "subprocess.Popen"): "[sys.executable, '-m', "
    "'mynalib.vault._import_worker']",
    # `myna lab`: JupyterLab from a fixed argument list (the token in a private config file)
    ("mynalib/serve.py", "subprocess.Popen"): "lab_command(notebooks, port, config)",
}


def test_no_shell_and_child_processes_only_in_the_demo_launcher() -> None:
    """No shell anywhere; child processes only in the demo launcher and, with one fixed command
    line, the import workers."""
    hits = []
    seen = set()
    for path in _package_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            if any(k.arg == "shell" for k in node.keywords) or func in {"os.system", "os.popen"}:
                hits.append(f"{_rel(path)}:{node.lineno}: {func} (shell)")
            if func.startswith("subprocess.") and _rel(path) != "mynalib/demo.py":
                allowed = CHILD_PROCESSES.get((_rel(path), func))
                if allowed is not None and node.args and ast.unparse(node.args[0]) == allowed:
                    seen.add((_rel(path), func))
                    continue
                hits.append(f"{_rel(path)}:{node.lineno}: {func}")
    assert not hits, "\n".join(hits)
    assert seen == set(CHILD_PROCESSES)  # the list is not stale


# =========================================================================== end to end
def _forms(secret: str) -> list[str]:
    raw = secret.encode()
    return [secret, raw.hex(), raw.hex().upper(), raw.hex(" "), raw.hex(" ").upper()]


def _digits(secret: str) -> re.Pattern[str]:
    """A digit secret as a whole number (so '8461' does not match inside '184612 bytes')."""
    return re.compile(rf"(?<!\d){secret}(?!\d)")


@dataclass
class Secrets:
    """Everything that must never show: PINs, tokens, My Numbers, the passphrase."""

    tokens: set[str] = field(default_factory=set)  # harvested from the sandbox's answers

    def text_patterns(self, *, pins: bool = True) -> list[tuple[str, re.Pattern[str]]]:
        out: list[tuple[str, re.Pattern[str]]] = []
        digit_secrets = [(f"PIN {p}", p) for p in PINS] if pins else []
        digit_secrets += [(f"My Number of {p.id}", p.my_number) for p in HOUSEHOLD]
        for label, value in digit_secrets:
            out.append((label, _digits(value)))
            out += [(f"{label} (hex)", re.compile(re.escape(f))) for f in _forms(value)[1:]]
        for tok in sorted(self.tokens):
            out.append((f"token {tok[:6]}…", re.compile(re.escape(tok))))
        out.append(("vault passphrase", re.compile(re.escape(PASSPHRASE))))
        return out

    def find(self, text: str, *, pins: bool = True) -> list[str]:
        return [label for label, pat in self.text_patterns(pins=pins) if pat.search(text)]


class TokenRecorder:
    """ASGI wrapper around the sandbox: harvests every token, code and verifier that passes."""

    KEYS = (
        "code",
        "code_verifier",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "device_code",
    )

    def __init__(self, app: Any, secrets: Secrets):
        self.app = app
        self.secrets = secrets

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = bytearray()
        response = bytearray()
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))

        async def recv() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                request.extend(message.get("body", b""))
            return message

        async def snd(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers.extend(message.get("headers", []))
            elif message["type"] == "http.response.body":
                response.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, recv, snd)
        self._harvest(bytes(request), headers, bytes(response))

    def _harvest(self, request: bytes, headers: list[tuple[bytes, bytes]], response: bytes) -> None:
        found: dict[str, str] = {}
        with contextlib.suppress(UnicodeDecodeError):
            for k, v in urllib.parse.parse_qsl(request.decode()):
                found[k] = v
        for name, value in headers:
            text = value.decode("latin-1")
            if name.lower() == b"location":
                found.update(urllib.parse.parse_qsl(urllib.parse.urlsplit(text).query))
            if name.lower() == b"authorization" and text.lower().startswith("bearer "):
                found["access_token"] = text[7:]
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            data = json.loads(response)
            if isinstance(data, dict):
                found.update({k: v for k, v in data.items() if isinstance(v, str)})
        for key in self.KEYS:
            if found.get(key) and len(found[key]) >= 16:
                self.secrets.tokens.add(found[key])


@dataclass
class E2E:
    home: Path
    vault_dir: Path
    log_file: Path
    profile: Path
    secrets: Secrets
    texts: dict[str, str]  # where → text (outputs, logs, exception texts)
    records: list[str]  # every log record, formatted with its traceback, before any redaction
    state_session: Any
    stored_refresh: bytes | None
    audit: list[Any]
    documents: list[Any]
    imported: list[Path]
    full_number_output: str


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=1)
        self.lines: list[str] = []
        self.names: list[tuple[str, int]] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.names.append((record.name, record.levelno))


@contextlib.contextmanager
def _all_logging() -> Iterator[Capture]:
    """Every record of every logger, captured before the project's redacting filter runs."""
    capture = Capture()
    root = logging.getLogger()
    myna = logging.getLogger("mynalib")
    saved = (root.level, myna.level, list(myna.handlers), myna.propagate)
    root.setLevel(1)
    myna.setLevel(logging.NOTSET)  # as a fresh process: whatever earlier tests configured
    root.addHandler(capture)
    myna.handlers.insert(0, capture)  # first: before RedactingFilter rewrites the record
    try:
        yield capture
    finally:
        for handler in myna.handlers:
            if handler not in saved[2] and handler is not capture:
                handler.close()
        myna.handlers[:] = saved[2]
        root.removeHandler(capture)
        root.setLevel(saved[0])
        myna.setLevel(saved[1])
        myna.propagate = saved[3]


def _cheap_vault(mp: pytest.MonkeyPatch) -> None:
    with contextlib.suppress(ImportError, AttributeError):
        from mynalib.vault import crypto

        mp.setattr(crypto, "SCRYPT_N", 2**12)


def _in_process_portal(mp: pytest.MonkeyPatch, secrets: Secrets) -> Any:
    """Make every PortalClient (also the CLI's) talk to one recorded in-process sandbox."""
    import httpx

    from mynalib.portal import client as client_module
    from mynalib.portal.sandbox.app import SandboxConfig, create_app

    app = create_app(SandboxConfig(pending_polls=0, done_step=False, poll_delay=0.0))
    recorded = TokenRecorder(app, secrets)
    real = client_module.PortalClient

    class InProcess(real):  # type: ignore[misc, valid-type]
        def __init__(self, base_url: str, transport: Any = None, **kw: Any) -> None:
            kw.setdefault("sleep", lambda s: None)
            kw.setdefault("jitter", lambda: 0.0)
            kw.setdefault("poll_interval", 0.0)
            super().__init__(base_url, httpx.ASGITransport(app=recorded), **kw)

    mp.setattr(client_module, "PortalClient", InProcess)
    return InProcess


def _sample_files() -> list[Path]:
    iryohi = sorted((ROOT / "sample_data" / "iryohi" / "ume").glob("*.csv"))
    kojo = sorted((ROOT / "sample_data" / "kojo").glob("*/TEG800*.xml"))
    assert iryohi and kojo, "sample_data/ is missing"
    return [iryohi[-1], kojo[-1]]


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    from mynalib.card.virtual import CardProfile
    from mynalib.cli import main
    from mynalib.commands.portal import SECRET_REFRESH, STATE_SESSION
    from mynalib.samples import person
    from mynalib.vault import open_vault

    base = tmp_path_factory.mktemp("security")
    home = base / "home"
    vault_dir = home / "vault"
    log_file = home / "myna.log"
    # the software card of a household member (the sandbox knows its key), with our own PINs;
    # the profile file stores them in clear by design (TEST-ONLY): it lives outside the home
    (base / "cards").mkdir()
    home.mkdir()
    profile = CardProfile.generate(
        "sample-taro", holder=person("taro"), auth_pin=AUTH_PIN, kenhojo_pin=KENHOJO_PIN
    ).save(base / "cards" / "taro.json")
    secrets = Secrets()
    texts: dict[str, str] = {}
    runner = CliRunner()
    old_umask = os.umask(0o022)  # a careless open() would give 0644: the vault must not
    try:
        with pytest.MonkeyPatch.context() as mp, _all_logging() as capture:
            for var in ("MYNA_AUTH_PIN", "MYNA_SIGN_PIN", "MYNA_KENHOJO_PIN", "MYNA_PORTAL"):
                mp.delenv(var, raising=False)
            mp.setenv("HOME", str(home))
            mp.setenv("MYNA_HOME", str(home / "myna"))
            mp.setenv("MYNA_VAULT", str(vault_dir))
            mp.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
            _cheap_vault(mp)
            _in_process_portal(mp, secrets)
            opts = ["--traffic", "--log-file", str(log_file)]
            card = ["--profile", str(profile)]

            def run(name: str, args: list[str], stdin: str | None = None, code: int = 0) -> Result:
                result = runner.invoke(main, [*opts, *args], input=stdin)
                texts[f"output of {name}"] = result.output
                texts[f"stderr of {name}"] = result.stderr
                exc = result.exception
                if exc is not None and not isinstance(exc, SystemExit):
                    texts[f"exception of {name}"] = "".join(traceback.format_exception(exc))
                assert result.exit_code == code, (name, result.output, exc)
                return result

            run("card info", ["card", "info", *card], KENHOJO_PIN + "\n")
            full = run(
                "card info --full-number",
                ["card", "info", *card, "--full-number"],
                KENHOJO_PIN + "\n",
            )
            del texts["output of card info --full-number"]  # asked for: checked separately
            # the in-process portal is not on a loopback address: trusted once, as a user would
            trust = ["--trust-portal"]
            run(
                "login (wrong PIN)",
                ["login", *card, "--portal", PORTAL, *trust],
                WRONG_PIN + "\n",
                1,
            )
            run("login", ["login", *card, "--portal", PORTAL], AUTH_PIN + "\n")
            # the login from a smartphone: the phone's side asks for the same PIN
            from mynalib.portal import client as client_module

            with client_module.PortalClient(PORTAL) as pc:
                device = pc.login_cross_device()
                url = device.verification_uri_complete
                phone = ["phone", "approve", url, *card, "--yes", "--trust-portal"]
                run("phone approve (wrong PIN)", phone, WRONG_PIN + "\n", 1)
                run("phone approve", phone, AUTH_PIN + "\n")
                assert device.poll() is not None  # tokens issued to the PC (and recorded)
            run("fetch", ["fetch", "all", "--no-progress"])
            run("fetch again (refresh)", ["fetch", "notices", "--no-progress"])
            imported = _sample_files()
            run("import", ["import", *map(str, imported)])
            with open_vault(vault_dir, passphrase=PASSPHRASE) as vault:
                state_session = vault.get_state(STATE_SESSION)
                stored_refresh = vault.get_secret(SECRET_REFRESH)
                documents = vault.documents()
                audit = vault.audit_log()
            run("logout", ["logout"])
            records = list(capture.lines)
        texts["log file"] = log_file.read_text(encoding="utf-8")
        yield E2E(
            home,
            vault_dir,
            log_file,
            profile,
            secrets,
            texts,
            records,
            state_session,
            stored_refresh,
            audit,
            documents,
            imported,
            full.output,
        )
    finally:
        os.umask(old_umask)


def test_e2e_actually_exercised_the_secrets(e2e: E2E) -> None:
    """Guards against a vacuous pass: tokens were issued, traffic was logged, the full number
    shows where it was explicitly asked for, and the needles would be found."""
    kinds = {len(t) for t in e2e.secrets.tokens}
    assert len(e2e.secrets.tokens) >= 6, kinds  # code, verifier, access, refresh, ID token, ...
    assert any(t.count(".") == 2 for t in e2e.secrets.tokens)  # an ID token (JWT) was seen
    log = e2e.texts["log file"]
    # (level 5 is named TRAFFIC, or TRACE once uvicorn is imported: both use 5)
    assert "mynalib.card.traffic: >>" in log and "<redacted" in log and "/oidc/token" in log
    assert any("mynalib.card.traffic: <<" in r for r in e2e.records)
    taro = HOUSEHOLD[0]
    assert taro.my_number in e2e.full_number_output  # --full-number: explicitly asked
    assert e2e.secrets.find(e2e.full_number_output) == [f"My Number of {taro.id}"]
    assert "********" + taro.my_number[-4:] in e2e.texts["output of card info"]
    assert re.search(r"(?<!\d)2(?!\d)", e2e.texts["output of login (wrong PIN)"])  # tries left
    for tok in list(e2e.secrets.tokens)[:3]:
        assert e2e.secrets.find(f"x {tok} y")


def test_e2e_no_pin_token_or_my_number_in_outputs_logs_or_exceptions(e2e: E2E) -> None:
    leaks = {}
    for where, text in e2e.texts.items():
        if found := e2e.secrets.find(text):
            leaks[where] = found
    raw = "\n".join(e2e.records)  # records as logged, before the project's redaction
    if found := e2e.secrets.find(raw):
        leaks["log records (unredacted)"] = found
    assert not leaks, leaks


def test_e2e_no_secret_in_any_file_under_home_or_vault(e2e: E2E) -> None:
    files = [p for p in e2e.home.rglob("*") if p.is_file()]
    assert e2e.log_file in files and any(p.parent == e2e.vault_dir for p in files)
    leaks = {}
    for path in files:
        data = path.read_bytes()
        text = data.decode("latin-1")  # byte-exact: ASCII needles match their bytes
        # a 4-digit PIN is expected by chance in ciphertext; in the vault only its longer forms
        # are searched (the decrypted vault content is checked in the next test)
        encrypted = path.parent == e2e.vault_dir
        found = e2e.secrets.find(text, pins=not encrypted)
        if encrypted:
            found += [label for label, value in _pin_long_forms() if value in text]
        if found:
            leaks[str(path.relative_to(e2e.home))] = found
    assert not leaks, leaks


def _pin_long_forms() -> list[tuple[str, str]]:
    return [(f"PIN {p} (hex)", f) for p in PINS for f in _forms(p)[1:]]


def test_e2e_vault_content_holds_no_token_pin_or_my_number_outside_the_secret_store(
    e2e: E2E,
) -> None:
    """Decrypted: the session state and the audit log are token-free; the one place a token is
    kept is the encrypted secret store (the latest refresh token, deleted at logout)."""
    assert e2e.state_session and e2e.state_session.get("person_id") == "taro"
    assert e2e.stored_refresh and e2e.stored_refresh.decode() in e2e.secrets.tokens
    texts = {
        "state portal.session": json.dumps(e2e.state_session, ensure_ascii=False),
        "audit log": json.dumps([repr(a) for a in e2e.audit], ensure_ascii=False),
    }
    assert len(e2e.audit) >= 3
    for doc in e2e.documents:
        texts[f"document {doc.id} meta"] = repr(doc) + json.dumps(doc.meta, default=str)
        texts[f"document {doc.id} data"] = doc.data.decode("utf-8", "replace")
    leaks = {w: f for w, t in texts.items() if (f := e2e.secrets.find(t))}
    assert not leaks, leaks


def test_e2e_vault_file_holds_no_plaintext_of_any_stored_document(e2e: E2E) -> None:
    raw = b"".join(p.read_bytes() for p in e2e.vault_dir.iterdir() if p.is_file())
    assert len(raw) > 10_000
    kinds = {d.kind for d in e2e.documents}
    assert {"iryohi_csv", "kojo_xml", "portal_notices", "portal_drugs"} <= kinds, kinds
    # the imported sample files: their longest lines, as stored and as UTF-8 text
    for path in e2e.imported:
        data = path.read_bytes()
        lines = sorted((ln.strip() for ln in data.splitlines()), key=len, reverse=True)[:5]
        lines = [ln for ln in lines if len(ln) >= 20]
        assert lines, path
        for line in lines:
            assert line not in raw, (path.name, line[:40])
    # every stored document (fetched ones too): a 32-byte run from its middle
    for doc in e2e.documents:
        if len(doc.data) >= 64:
            middle = len(doc.data) // 2
            assert doc.data[middle : middle + 32] not in raw, (doc.kind, doc.id)
    for word in ("見本", "医療費", "notices"):
        assert word.encode() not in raw, word


def test_e2e_vault_log_and_card_files_private_under_a_permissive_umask(e2e: E2E) -> None:
    assert stat.S_IMODE(e2e.vault_dir.stat().st_mode) == 0o700
    files = [p for p in e2e.vault_dir.iterdir()]
    assert files
    for p in files:
        assert p.is_file() and stat.S_IMODE(p.stat().st_mode) == 0o600, p
    # the software-card profile (PINs in clear, TEST-ONLY) is private too
    assert stat.S_IMODE(e2e.profile.stat().st_mode) == 0o600
    # and so is a --log-file: at TRAFFIC it holds the card's 基本4情報 (name, address, birth)
    assert stat.S_IMODE(e2e.log_file.stat().st_mode) == 0o600


def test_traffic_log_masks_the_my_number_read_from_the_card(e2e: E2E) -> None:
    """`card info` reads the whole My Number file from the card; --traffic logs the response
    with only the last 4 digits (the hex of the first 8 replaced by '*')."""
    taro = HOUSEHOLD[0]
    log = e2e.texts["log file"]
    masked = (b"\xff\x10\x0c" + b"*" * 8 + taro.my_number[-4:].encode()).hex(" ").upper()
    assert masked in log
    assert taro.my_number.encode().hex(" ").upper() not in log


# ============================================================================== Python API
def test_api_with_plain_root_logging_and_httpx_debug_requested_leaks_nothing(e2e: E2E) -> None:
    """A notebook user's `logging.basicConfig(level=1)`: no redacting filter anywhere, httpx and
    httpcore asked for DEBUG. The client keeps httpx quiet and logs nothing secret itself."""
    from mynalib.card import open_card
    from mynalib.card.virtual import CardProfile
    from mynalib.errors import PinError
    from mynalib.secrets import Pin

    secrets = Secrets()
    texts: list[str] = []
    with pytest.MonkeyPatch.context() as mp, _all_logging() as capture:
        client_cls = _in_process_portal(mp, secrets)
        for name in ("httpx", "httpcore"):
            mp.setattr(logging.getLogger(name), "level", logging.DEBUG)
        with open_card("virtual", CardProfile.load(e2e.profile)) as card:
            client = client_cls(PORTAL)
            with client:
                with pytest.raises(PinError) as wrong:
                    client.login(card, Pin(WRONG_PIN))
                texts += [str(wrong.value), repr(wrong.value), wrong.value.ja or ""]
                texts.append("".join(traceback.format_exception(wrong.value)))
                session = client.login(card, Pin(AUTH_PIN))
                client.refresh()
                report = client.fetch(["notices", "drugs"], store=lambda d: True)
                texts += [repr(session), str(session), repr(client.session), repr(report)]
                texts += [client.stats.summary(), repr(client.stats.log), *client.stats.retries]
                texts += list(report.lines())
        for name in ("httpx", "httpcore"):
            assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING
    assert len(secrets.tokens) >= 6
    assert capture.lines and any(n.startswith("mynalib") for n, _ in capture.names)
    noisy = [(n, lvl) for n, lvl in capture.names if n.startswith(("httpx", "httpcore"))]
    assert all(lvl >= logging.WARNING for _, lvl in noisy), noisy
    leaks = secrets.find("\n".join(texts + capture.lines))
    assert not leaks, leaks


# ==================================================================================== demo
def test_demo_command_lines_carry_no_token_and_voila_gets_no_tracebacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`myna demo` as run by a person (run_demo): the children's command lines, environment and
    config files, without starting anything."""
    from mynalib import demo

    launched: list[tuple[list[str], dict[str, Any]]] = []

    class FakeProc:
        pid = 999_999
        returncode = 0

        def __init__(self, cmd: list[str], **kw: Any) -> None:
            launched.append((list(cmd), kw))

        def poll(self) -> int:
            return 0  # "exited": run_demo reports it and stops

    @contextlib.contextmanager
    def fake_environment(workdir: Path, **kw: Any) -> Iterator[dict[str, str]]:
        yield {"MYNA_VAULT": str(workdir / "vault"), "MYNA_VAULT_PASSPHRASE": PASSPHRASE}

    monkeypatch.setattr(demo.subprocess, "Popen", FakeProc)
    monkeypatch.setattr(demo, "wait_for_port", lambda *a, **k: 0.0)
    monkeypatch.setattr(demo, "demo_environment", fake_environment)
    monkeypatch.setattr(demo, "_module_available", lambda name: True)  # nothing is started
    # run_demo re-arms SIGINT/SIGTERM for its own process: not for pytest's
    monkeypatch.setattr(demo, "_stop_on_signals", lambda: None, raising=False)
    monkeypatch.setenv("JUPYTER_TOKEN", "inherited-token-must-not-pass")
    said: list[str] = []
    status = demo.run_demo(open_browser=False, workdir=tmp_path / "d", echo=said.append)
    assert status == 1  # our fake Voila "stopped"
    voila = [c for c in launched if "voila" in c[0]]
    assert len(voila) == 1 and len(launched) == 2
    urls = [u for line in said for u in re.findall(r"http://\S+", line)]
    tokens = {urllib.parse.parse_qs(urllib.parse.urlsplit(u).query)["token"][0] for u in urls}
    (token,) = tokens  # one token, printed to the person who started the demo (by design)
    assert len(token) >= 24
    for cmd, _kw in launched:
        line = " ".join(cmd)
        assert token not in line and "token" not in line.lower(), line
        assert PASSPHRASE not in line
        assert "show_tracebacks" not in line, line
        assert "0.0.0.0" not in line  # noqa: S104 - checking it is absent
    cmd, kw = voila[0]
    assert f"--Voila.ip={demo.HOST}" in cmd and demo.HOST == "127.0.0.1"
    env = kw["env"]
    assert "JUPYTER_TOKEN" not in env
    config = Path(kw["cwd"]) / "voila.json"
    assert json.loads(config.read_text()) == {
        "Voila": {
            "token": token,
            "ip": "127.0.0.1",
            # the Japanese token page (mynalib/voila_login.py)
            "identity_provider_class": "mynalib.voila_login.JapaneseIdentityProvider",
        }
    }
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert (Path(env["JUPYTER_CONFIG_DIR"]) / "voila.py").read_text() == demo.VOILA_LOG_SCRUB


def _listening(port: int) -> set[str]:
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                addr, hexport = parts[1].rsplit(":", 1)
                if parts[3] == "0A" and int(hexport, 16) == port:
                    out.add(addr)
    return out


def test_real_voila_keeps_its_token_out_of_the_log_and_listens_on_loopback_only(
    tmp_path: Path,
) -> None:
    """tornado logs the URI of every failed request (404, 500) — with ``?token=`` — unless the
    demo's log scrub is in place."""
    pytest.importorskip("voila")
    from mynalib import demo

    servers = demo.start_servers(tmp_path / "w", sandbox=False, timeout=90)
    try:
        assert _listening(servers.voila_port) == {"0100007F"}
        base = f"http://127.0.0.1:{servers.voila_port}"
        for path in ("/voila/render/no-such.ipynb", "/no-such-page"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(f"{base}{path}?token={servers.token}", timeout=30)
            assert err.value.code == 404
        conn = http.client.HTTPConnection("127.0.0.1", servers.voila_port, timeout=30)
        conn.request("GET", "/voila/render/overview.ipynb")  # no token: refused (not rendered)
        refused = conn.getresponse()
        assert refused.status in (302, 401, 403), refused.status
        conn.close()
    finally:
        servers.stop()
    cmdline = " ".join(map(str, servers.voila.args))  # type: ignore[arg-type]
    log = "".join(p.read_text(encoding="utf-8", errors="replace") for p in servers.logs)
    assert "no-such-page" in log  # the failed requests were logged...
    assert servers.token not in log  # ...without the token
    assert servers.token not in cmdline
    assert servers.token not in repr(servers)  # e.g. in an assertion message or a CI log


# ================================================================================= reprs, UI
def test_command_apdu_repr_hides_pin_bodies() -> None:
    """A VERIFY/CHANGE REFERENCE DATA/RESET RETRY COUNTER APDU object (in a traceback with
    locals, a debugger, an assertion message) does not show the PIN."""
    from mynalib.card.apdu import CommandAPDU
    from mynalib.log import SECRET_INS

    for ins in sorted(SECRET_INS):
        apdu = CommandAPDU(0x00, ins, 0x01, 0x80, AUTH_PIN.encode() + KENHOJO_PIN.encode())
        text = repr(apdu) + str(apdu) + f"{apdu}" + f"{apdu!r}"
        assert not Secrets().find(text), text
        assert "data=<redacted>," in text  # not even its length
    select = CommandAPDU(0x00, 0xA4, 0x04, 0x0C, b"\xd3\x92")
    assert "\\xd3\\x92" in repr(select)  # other commands stay readable


def test_dashboard_fetch_panel_mistyped_pin_is_explained_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ipywidgets")
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "state"))
    from mynalib.widgets.common import log_path, logger
    from mynalib.widgets.overview import FetchPanel

    class Card:
        def __enter__(self) -> Card:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def auth_tries_left(self) -> int:
            return 3

        def status(self) -> None:
            return None

    calls: list[Any] = []
    for handler in list(logger().handlers):  # the log file of this test's MYNA_HOME
        logger().removeHandler(handler)
        handler.close()

    def fetch(*args: Any) -> str:
        calls.append(args)
        return "ok"

    panel = FetchPanel(lambda: Card(), fetch)  # type: ignore[arg-type, return-value]
    panel.read_tries()
    for typed in ("84a1", "846", "84611"):
        panel.pin.value = typed
        panel.go.click()
        assert panel.pin.value == ""  # cleared at once
        assert "形式" in panel.status.value  # what happened: the format; no try spent
        shown = panel.status.value + panel.tries.value
        assert typed not in shown
    assert calls == []  # nothing reached the card
    logged = log_path().read_text(encoding="utf-8") if log_path().exists() else ""
    assert not any(t in logged for t in ("84a1", "846", "84611"))
    for handler in list(logger().handlers):
        logger().removeHandler(handler)
        handler.close()


def test_household_and_card_objects_never_show_a_full_my_number_in_a_repr(e2e: E2E) -> None:
    from mynalib.card.virtual import CardProfile

    texts = []
    for member in HOUSEHOLD:
        texts += [repr(member), str(member), f"{member}"]
    texts.append(repr(CardProfile.load(e2e.profile)))  # taro's card
    found = Secrets().find("\n".join(texts))
    assert not found, found
    assert "見本" in texts[0]  # the repr still says who it is


def test_portal_client_refuses_plain_http_beyond_the_loopback() -> None:
    """The JPKI signature, the authorization code and the tokens never travel in clear."""
    from mynalib.errors import PortalError
    from mynalib.portal.client import PortalClient

    for url in ("http://portal.example.jp", "http://192.0.2.10:8765"):
        with pytest.raises(PortalError, match="https"):
            PortalClient(url)
    for url in ("https://portal.example.jp", "http://127.0.0.1:8765", "http://localhost:8765"):
        PortalClient(url).close()
