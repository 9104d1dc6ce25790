"""The operation table (mynalib/portal/protocol.py) drives the client, the sandbox, the CLI and the
parsers: every row is served, scoped, parsed and offered, and nothing outside it is."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from mynalib.card import open_card
from mynalib.errors import AuthError
from mynalib.portal import protocol as P
from mynalib.portal.sandbox import app as sandbox_app
from mynalib.portal.sandbox import data as sandbox_data
from mynalib.secrets import Pin
from mynalib.sources import portal_json as pj

from .conftest import Sandbox, member_profile

ROOT = Path(__file__).resolve().parents[2]


def _post(app: Any, path: str, body: dict[str, Any], token: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(transport=_sync(app), base_url="http://sandbox.test") as http:
        return http.post(path, json=body, headers=headers)


def _sync(app: Any) -> httpx.BaseTransport:
    from mynalib.portal.bridge import SyncBridge

    return SyncBridge(httpx.ASGITransport(app=app))


# ------------------------------------------------------------------------------ the table
def test_rows_are_well_formed() -> None:
    names = [op.name for op in P.OPERATIONS]
    assert len(names) == len(set(names))
    assert len({op.screen_id for op in P.OPERATIONS}) == len(P.OPERATIONS)
    assert all(re.fullmatch(r"MPW\d\dS\d{4}E\d{3}", op.screen_id) for op in P.OPERATIONS)
    assert all(re.fullmatch(r"TM\d{14}", item.item_id) for item in P.ITEMS)
    assert len(P.ITEMS_BY_ID) == len(P.ITEMS) and len(P.ITEM_BY_KIND) == len(P.ITEMS)
    for op in P.OPERATIONS:
        assert op.label and op.scope in P.SCOPES, op
        if op.fetch is not None:  # a fetchable operation stores something, itself or per entry
            assert op.kind or (
                op.each in P.OPERATIONS_BY_NAME and P.OPERATIONS_BY_NAME[op.each].kind
            )
        if op.paged:
            assert {"page", "pageSize"} <= set(op.request) and op.answer, op
    assert {item.answer for item in P.ITEMS} <= {"results", "drugInfo"}
    assert not set(P.FETCH_ITEMS) & set(P.FETCH_OPERATIONS)


def test_protocol_md_lists_the_table() -> None:
    text = (ROOT / "mynalib/portal/PROTOCOL.md").read_text(encoding="utf-8")
    ops = set(re.findall(r"^\| `([a-z]+/[a-z]+)` \| `(MPW\w{11})` \| (\w+) \|$", text, re.M))
    assert ops == {(op.name, op.screen_id, op.scope) for op in P.OPERATIONS}
    items = set(re.findall(r"^\| `(TM\d{14})` \| (.+?) \| `(portal_\w+)` \| (\w+) \|$", text, re.M))
    assert items == {(i.item_id, i.name, i.kind, i.fetch) for i in P.ITEMS}
    scopes = re.search(r'"scopes_supported": (\[[^]]*\])', text)
    assert scopes and tuple(json.loads(scopes.group(1))) == P.SCOPES


# --------------------------------------------------------------------------------- sandbox
def test_every_operation_has_a_sandbox_handler_and_no_handler_is_outside_the_table() -> None:
    assert set(sandbox_app.HANDLERS) == set(P.OPERATIONS_BY_NAME)


def test_every_item_has_sandbox_data_in_its_answer_shape() -> None:
    from mynalib.samples import HOUSEHOLD

    assert set(sandbox_data.ITEM_DATA) == {item.kind for item in P.ITEMS}
    for item in P.ITEMS:
        answers = [sandbox_data.ITEM_DATA[item.kind](p) for p in HOUSEHOLD]
        assert any(answers), item  # someone in the household has a record
        expected = list if item.answer == "results" else dict
        assert all(a is None or isinstance(a, expected) for a in answers), item


def test_the_sandbox_refuses_to_start_without_a_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sandbox_app.HANDLERS, "notices/read")
    with pytest.raises(RuntimeError, match="notices/read"):
        sandbox_app.create_app()


@pytest.mark.parametrize("name", ["secret/op", "myinfo/delete", "notices", "notices/list/extra"])
def test_the_sandbox_rejects_operations_not_in_the_table(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # even an operation with a handler is not served unless it is a row of the table
    monkeypatch.setitem(
        sandbox_app.HANDLERS, name, lambda *a: sandbox_app._envelope({"leaked": True})
    )
    body = {"commonHeader": {"screenId": "MPW99S9999E999"}, "reqBody": {}}
    response = _post(sandbox.app, P.API_PREFIX + name, body)
    data = response.json()
    assert response.status_code == 404 and data["resultCode"] == P.RESULT_NOT_FOUND
    assert data["errors"][0]["errorCode"] == P.ERROR_UNKNOWN_ID and "leaked" not in data["resBody"]


def test_the_sandbox_checks_each_operation_s_scope_and_screen_id(sandbox: Sandbox) -> None:
    data_scopes = dict.fromkeys(op.scope for op in P.OPERATIONS)
    for missing in data_scopes:
        scope = " ".join(s for s in P.SCOPES if s != missing)
        client = sandbox.client(scope=scope)
        with open_card("virtual", member_profile("taro")) as card:
            client.login(card, Pin("1234"))
        for op in P.OPERATIONS:
            if op.scope == missing:
                with pytest.raises(AuthError, match="consent"):
                    client.call(op.name, {})
        token = client.session.access_token if client.session else ""
        for op in P.OPERATIONS:  # a wrong screen id is refused before the operation runs
            if op.scope == missing:
                continue
            body = {"commonHeader": {"screenId": "MPW99S9999E999"}, "reqBody": {}}
            answer = _post(sandbox.app, P.API_PREFIX + op.name, body, token).json()
            assert answer["errors"][0]["errorCode"] == P.ERROR_SCREEN_ID, op
            assert op.screen_id in answer["errors"][0]["message"]
        client.close()


def test_discovery_offers_the_scopes(sandbox: Sandbox) -> None:
    client = sandbox.client()
    assert tuple(client.discovery()["scopes_supported"]) == P.SCOPES
    client.close()


# --------------------------------------------------------------------------------- parsers
def test_every_kind_the_portal_produces_has_a_parser() -> None:
    from mynalib import sources

    assert set(pj.KINDS) == set(P.PORTAL_KINDS)
    assert set(pj.PARSERS) == set(P.PORTAL_KINDS)  # a row without a parse function fails here
    assert pj.ITEM_KINDS == {i.item_id: i.kind for i in P.ITEMS}
    known = sources.kinds()
    for kind in P.DOCUMENT_KINDS:  # the JSON kinds and the files handed out (kojo_xml)
        assert kind in known, kind


def test_stored_list_answers_are_detected_by_their_list_key() -> None:
    for op in P.OPERATIONS:
        if op.kind and op.raw and op.answer:
            body = {"resultCode": "0000", "resBody": {op.answer: []}, "errors": []}
            assert pj.detect(json.dumps(body).encode()) == op.kind, op


# --------------------------------------------------------------------------------- the CLI
def test_every_fetchable_row_is_a_choice_of_myna_fetch() -> None:
    from mynalib.commands.portal import fetch_cmd

    choices = list(fetch_cmd.params[0].type.choices)  # type: ignore[attr-defined]
    fetchable = [i.fetch for i in P.ITEMS] + [op.fetch for op in P.OPERATIONS if op.fetch]
    assert choices == ["all", *dict.fromkeys(fetchable), *P.FETCH_ALIASES]
    assert set(P.FETCH_ALIASES) == {i.alias for i in P.ITEMS if i.alias}
    assert set(choices) == {"all", *P.FETCH_GROUPS, *P.FETCH_ALIASES}
    for name, label in P.FETCH_GROUPS.items():
        assert f"{name} ({label})" in (fetch_cmd.help or "")


# ---------------------------------------------------------------------------------- client
def test_the_fetch_plan_comes_from_the_table_in_the_old_order(sandbox: Sandbox) -> None:
    client = sandbox.client()
    plan = client.plan(["all"])
    groups = [P.ITEMS_BY_ID[d].fetch if t == "myinfo" else t for t, d in plan]
    assert list(dict.fromkeys(groups)) == [
        "pension",
        "medical",
        "drugs",
        "checkups",
        "myinfo",
        "deductions",
        "notices",
        "history",
        "procedures",
        "applications",
    ]
    assert [d for t, d in plan if t == "myinfo"] == [i.item_id for i in P.ITEMS]
    assert client.plan(["myinfo", "notices"]) == [
        *(("myinfo", i.item_id) for i in P.FETCH_ITEMS["myinfo"]),
        ("notices", ""),
    ]
    with pytest.raises(ValueError, match="unknown fetch group"):
        client.plan(["secret"])
    client.close()


def test_fetch_reports_through_on_progress(sandbox: Sandbox) -> None:
    client = sandbox.client()
    with open_card("virtual", member_profile("taro")) as card:
        client.login(card, Pin("1234"))
    seen: list[tuple[int, int, str]] = []
    stored: list[Any] = []

    def store(doc: Any) -> bool:
        stored.append(doc)
        return True

    report = client.fetch(
        ["procedures", "pension"], store=store, on_progress=lambda *a: seen.append(a)
    )
    # the tasks run concurrently: progress counts up in the order they finish, whichever that is
    assert seen[0] == (0, 2, "starting")
    assert [(done, total) for done, total, _ in seen[1:]] == [(1, 2), (2, 2)]
    assert sorted(label for *_, label in seen[1:]) == sorted(["procedures", "年金記録（加入期間）"])
    assert sorted(d.kind for d in stored) == ["portal_pension", "portal_procedures"]
    # the report lists the documents in the plan's order, whatever order they were stored in
    assert [d.kind for d in report.documents] == ["portal_procedures", "portal_pension"]
    # the catalogue is no one's; the pension record is taro's
    procedures, pension = report.documents
    assert procedures.person is None and pension.person == "見本　太郎"
    assert report.new == {"portal_procedures": 1, "portal_pension": 1}
    client.close()


def test_the_portal_package_imports_no_ui() -> None:
    portal = ROOT / "mynalib" / "portal"
    for path in portal.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                assert top not in {"ipywidgets", "IPython", "click", "tqdm"}, (path, name)
                assert "widgets" not in name.split("."), (path, name)
    code = (
        "import sys, mynalib.portal.client, mynalib.portal.inprocess, mynalib.portal.sandbox.app;"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'mynalib.widgets') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
