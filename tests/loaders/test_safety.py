"""loaders.safety: size limit, zip and XML checks, JSON depth, binary files, plausible counts."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import pytest

from loaders import safety
from loaders.records import (
    FactKind,
    FactRecord,
    LoadError,
    LoadResult,
    PlaceRef,
    Provenance,
    Quantity,
)
from loaders.registry import load_file
from loaders.tabular import load_table
from tests.fixtures.bad_inputs import make

MB = 1024 * 1024
CONVOYS = "date,place,trucks,outcome\n" + "2018-03-09,Douma,13,delivered\n" * 100


@pytest.fixture(autouse=True)
def _no_limit_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(safety.MAX_UPLOAD_ENV, raising=False)


# ---- size


def test_upload_limit_default_env_and_option(monkeypatch: pytest.MonkeyPatch) -> None:
    assert safety.max_upload_bytes() == 50 * MB
    monkeypatch.setenv(safety.MAX_UPLOAD_ENV, "2")
    assert safety.max_upload_bytes() == 2 * MB
    monkeypatch.setenv(safety.MAX_UPLOAD_ENV, "0.5")
    assert safety.max_upload_bytes() == MB // 2
    for bad in ("0", "-3", "lots"):
        monkeypatch.setenv(safety.MAX_UPLOAD_ENV, bad)
        assert safety.max_upload_bytes() == 50 * MB
    assert safety.max_upload_bytes(1234) == 1234
    assert safety.max_upload_bytes(0) is None  # no limit (command line on trusted files)


def test_load_file_enforces_the_limit_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "convoys.csv"
    path.write_text(CONVOYS, encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(LoadError, match=r"is 3 KB, over the 1 KB limit for one file"):
        load_file(path, max_bytes=1000)
    monkeypatch.setenv(safety.MAX_UPLOAD_ENV, str(1000 / MB))
    with pytest.raises(LoadError, match="ACCESS_MONITOR_MAX_UPLOAD_MB"):
        load_file(path)
    assert load_file(path, max_bytes=0).rows_in == 100  # the option is not passed to the loader
    assert load_file(path, max_bytes=size).rows_in == 100


# ---- zip containers


def _workbook(path: Path) -> Path:
    make._write_zip(path, make._convoy_workbook())
    return path


def test_a_real_workbook_passes_and_loads(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "convoys.xlsx")
    safety.check_zip(path)
    result = load_file(path)
    assert (result.format, result.rows_in, len(result.records)) == ("table-xlsx", 1, 1)


def test_zip_bomb_is_refused_fast_even_without_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    make.zip_bomb_xlsx(path)
    started = time.perf_counter()
    with pytest.raises(LoadError, match=r"compressed 1,0\d\d:1 .* refused as a zip bomb"):
        safety.check_zip(path)
    assert time.perf_counter() - started < 0.5
    with pytest.raises(LoadError, match="zip bomb"):
        load_table(path, fmt="table-xlsx")  # tabular._xlsx_rows checks before openpyxl opens it


def test_zip_limits_are_parameters(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "convoys.xlsx")
    with pytest.raises(LoadError, match="holds 9 parts, more than the 5"):
        safety.check_zip(path, max_members=5)
    with pytest.raises(LoadError, match=r"would unpack to \d+ KB, over the 1 KB limit"):
        safety.check_zip(path, max_uncompressed=1000)
    big = tmp_path / "big.xlsx"
    make.zip_bomb_xlsx(big, megabytes=2)
    safety.check_zip(big, max_ratio=5000)  # 1000:1 is allowed when the limit says so
    with pytest.raises(LoadError, match="zip bomb"):
        safety.check_zip(big)


def _patch_central(path: Path, member: str, offset: int, value: bytes) -> None:
    data = bytearray(path.read_bytes())
    entry = data.find(b"PK\x01\x02")
    while entry >= 0:
        length = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if bytes(data[entry + 46 : entry + 46 + length]) == member.encode():
            data[entry + offset : entry + offset + len(value)] = value
        entry = data.find(b"PK\x01\x02", entry + 4)
    path.write_bytes(bytes(data))


def test_encrypted_member_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "locked.xlsx")
    _patch_central(path, "xl/workbook.xml", 8, b"\x01\x00")  # general-purpose flag bit 0: encrypted
    with pytest.raises(LoadError, match=r"is password-protected \(xl/workbook.xml\)"):
        safety.check_zip(path)


def _with_member(path: Path, name: str, data: bytes) -> Path:
    members = make._convoy_workbook()
    members[name] = data
    make._write_zip(path, members)
    return path


def test_dtd_found_in_utf16_member_and_after_padding(tmp_path: Path) -> None:
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
    with pytest.raises(LoadError, match=r"document type declaration in xl/extra\.xml"):
        safety.check_zip(_with_member(tmp_path / "u16.xlsx", "xl/extra.xml", utf16))
    padded = b"<?xml version='1.0'?>" + b" " * 20_000 + b"<!DOCTYPE x SYSTEM 'http://evil.example/x.dtd'><x/>"
    with pytest.raises(LoadError, match="document type declaration"):
        safety.check_zip(_with_member(tmp_path / "pad.xlsx", "xl/extra.xml", padded))
    endless = b"<?xml version='1.0'?><!--" + b"x" * (safety.PROLOG_LIMIT + 10) + b"--><x/>"
    with pytest.raises(LoadError, match="no XML element in its first 64 KB"):
        safety.check_zip(_with_member(tmp_path / "long.xlsx", "xl/extra.xml", endless))
    # The word DOCTYPE inside text after the root element is content, not a declaration.
    safety.check_zip(_with_member(tmp_path / "ok.xlsx", "xl/extra.xml", b"<x>&lt;!DOCTYPE in text</x>"))


def _chain(exc: BaseException | None) -> list[str]:
    names = []
    while exc is not None:
        names.append(f"{type(exc).__module__}.{type(exc).__name__}")
        exc = exc.__cause__ or exc.__context__
    return names


@pytest.mark.parametrize("maker", [make.billion_laughs_xlsx, make.external_entity_xlsx])
def test_openpyxl_itself_parses_with_defusedxml(tmp_path: Path, maker: object) -> None:
    """Second line of defence: openpyxl uses defusedxml when installed, so even a workbook that
    skipped our checks cannot expand entities or read files."""
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
    path = tmp_path / "attack.xlsx"
    maker(path)  # type: ignore[operator]
    with pytest.raises(Exception) as info:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        list(book.worksheets[0].iter_rows(values_only=True))
    assert "defusedxml.common.EntitiesForbidden" in _chain(info.value)


def test_docx_with_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "statement.docx"
    make.billion_laughs_docx(path)
    with pytest.raises(LoadError, match=r"document type declaration in word/document\.xml"):
        safety.check_upload(path)


# ---- text, binary and JSON


def test_binary_checks(tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(CONVOYS.encode("utf-16-le"))  # NUL bytes everywhere, and fine
    safety.check_binary(utf16)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"date,place\n2018-03-09,Douma\n2018-03-10,Dou\x00ma\n")
    with pytest.raises(LoadError, match=r"holds a NUL byte \(byte 42, line 3\)"):
        safety.check_binary(nul)
    gz = tmp_path / "data.csv"
    gz.write_bytes(b"\x1f\x8b\x08\x00rest")
    with pytest.raises(LoadError, match="is a gzip archive; unpack it"):
        safety.check_binary(gz)


def test_pdf_is_not_checked_for_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7\n\x00\x01binary")
    safety.check_upload(path)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b'{"a": "[[[[{{", "b": [1, [2]]}', 3),
        (b'[{"q": "say \\"[[[[\\" twice"}]', 2),
        (b'["\\u005b\\u005b", ["\\\\"], [[]]]', 3),
        (b"42", 0),
    ],
)
def test_json_depth_ignores_strings_and_escapes(text: bytes, depth: int) -> None:
    assert safety.json_depth(text) == depth


def test_deep_json_refused_and_utf16_json_read(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(("[" * 150 + "]" * 150).encode("utf-16"))
    with pytest.raises(LoadError, match="nests arrays or objects 150 levels deep"):
        safety.check_upload(path)
    path.write_bytes(("[" * 50 + "]" * 50).encode("utf-16"))
    safety.check_upload(path)


def test_real_geojson_is_well_within_the_depth_limit(shared_data: Path) -> None:
    data = (shared_data / "geo" / "syr_admin2.geojson").read_bytes()
    assert 4 <= safety.json_depth(data) < 20


def test_mixed_encoding() -> None:
    utf8 = "2018-03-09,دوما\n".encode()
    legacy = "2018-03-10,دوما\n".encode("cp1256")
    assert safety.mixed_encoding(b"date,place\n" + utf8 + utf8) is None
    assert safety.mixed_encoding(b"date,place\n" + legacy + legacy) is None
    reason = safety.mixed_encoding(b"date,place\n" + utf8 + legacy)
    assert reason is not None and reason.startswith("mixes UTF-8 (line 2) with another encoding (line 3)")


# ---- plausible counts and dates


def test_check_quantity() -> None:
    assert safety.check_quantity("population", Quantity(value=400_000)).value == 400_000
    with pytest.raises(ValueError, match=r"^population 10,000,000,000 is above 50,000,000"):
        safety.check_quantity("population", Quantity(value=10_000_000_000))
    with pytest.raises(ValueError, match="trucks 90,000 is above 50,000"):
        safety.check_quantity("trucks", Quantity(low=10, high=90_000))
    assert safety.check_quantity("unknown", Quantity(value=10**12)).value == 10**12


def _fact(row: int | None, **fields: object) -> FactRecord:
    provenance = Provenance(row=row, method="table" if row else "text")
    return FactRecord(
        kind=fields.pop("kind", FactKind.CONVOY), place=PlaceRef("Douma"), provenance=provenance, **fields
    )  # type: ignore[arg-type]


def test_reject_implausible_keeps_the_accounting() -> None:
    from loaders.records import DateValue

    today = dt.date(2018, 3, 10)
    result = LoadResult(file="f.csv", format="table-csv", sha256="x", rows_in=5)
    result.records = [
        _fact(2, kind=FactKind.BESIEGED, population=Quantity(value=10**10, text="10000000000")),
        _fact(3, date=DateValue(dt.date(2018, 3, 20)), outcome="delivered"),
        _fact(4, date=DateValue(dt.date(2018, 3, 20)), outcome="planned"),
        _fact(5, date=DateValue(dt.date(2018, 3, 11)), outcome="delivered"),  # tomorrow: time zones
        _fact(None, kind=FactKind.TOLL, killed=Quantity(value=9_000_000)),  # prose: kept for review
    ]
    assert safety.reject_implausible(result, today) == 2
    result.check_accounting()
    assert [r.provenance.row for r in result.records] == [4, 5, None]
    issues = [(i.row, i.column, i.severity, i.value) for i in result.issues]
    assert issues == [
        (2, "population", "rejected", "10000000000"),
        (3, "date", "rejected", "2018-03-20"),
        (None, "killed", "warning", None),
    ]
    assert "2018-03-20 is in the future (today is 2018-03-10)" in result.issues[1].reason


def test_bounds_reject_nothing_in_the_real_files(shared_data: Path) -> None:
    for name in (
        "gaza/casualties_daily.json",
        "acled/acled_afg_2020-03_pre2023_layout.csv",
        "insecurity_insight/aidWorkerKIKA.json",
    ):
        result = load_file(shared_data / name)
        assert safety.reject_implausible(result) == 0, name


def test_generated_workbook_round_trips_through_openpyxl() -> None:
    """make._convoy_workbook is a real workbook (the corpus builds its attacks on it)."""
    from openpyxl import load_workbook

    members = make._convoy_workbook()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    rows = list(load_workbook(buffer, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("date", "place")
