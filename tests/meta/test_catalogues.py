"""The translation catalogues are complete and in step with the code.

Fails when `locales/messages.pot` is behind the code, when a catalogue lacks a message, has an empty or fuzzy
entry, changes a placeholder, has the wrong number of plural forms, or has no compiled `.mo` matching it.
Fix with `.venv/bin/python -m backend.cli i18n update`, translate, then `… i18n compile`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from babel import Locale
from babel.messages.plurals import get_plural

from backend import cli
from backend.settings import SUPPORTED_LOCALES

LOCALES_DIR = cli.LOCALES_DIR
MessageKey = tuple[str | None, str, str]
# %(name)s and friends (Jinja's {{ name }} in a trans block is extracted as %(name)s), positional %s, and a
# stray Jinja expression a translator may have typed instead.
NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
POSITIONAL = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[sdifr]")
JINJA = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _key(entry: polib.POEntry | polib.MOEntry) -> MessageKey:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _po_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / "messages.po"


def _catalogue(code: str) -> polib.POFile:
    path = _po_path(code)
    assert path.exists(), f"{path} is missing: run `python -m backend.cli i18n update`"
    return polib.pofile(str(path))


def placeholders(text: str) -> Counter[str]:
    """The placeholders in a message, as a multiset (`{{ x }}` counts as `%(x)s`)."""
    found: Counter[str] = Counter(NAMED.findall(text.replace("%%", "")))
    found.update(JINJA.findall(text))
    found["<positional>"] += len(POSITIONAL.findall(text.replace("%%", "")))
    return +found


def _describe(entry: polib.POEntry) -> str:
    return repr(entry.msgid[:70])


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[MessageKey]:
    """The messages the code holds today, extracted with exactly the options of `backend.cli i18n extract`."""
    target = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "POT_FILE", target)
        cli.i18n_extract()
    return {_key(entry) for entry in polib.pofile(str(target))}


def test_the_template_is_up_to_date_with_the_code(extracted: set[MessageKey]) -> None:
    committed = {_key(entry) for entry in polib.pofile(str(cli.POT_FILE))}
    missing = sorted(key[1] for key in extracted - committed)
    stale = sorted(key[1] for key in committed - extracted)
    advice = "locales/messages.pot is behind the code: run `python -m backend.cli i18n update`."
    assert not missing, f"{advice}\n  new in the code: {missing}"
    assert not stale, f"{advice}\n  gone from the code: {stale}"


@pytest.mark.parametrize("code", SUPPORTED_LOCALES)
def test_catalogue_has_every_message_translated(code: str) -> None:
    template = {_key(entry) for entry in polib.pofile(str(cli.POT_FILE))}
    catalogue = _catalogue(code)
    active = [entry for entry in catalogue if not entry.obsolete]
    missing = sorted(key[1] for key in template - {_key(entry) for entry in active})
    assert not missing, f"{code}: messages missing from the catalogue (run i18n update): {missing}"
    assert not catalogue.metadata_is_fuzzy, f"{code}: the catalogue header is marked fuzzy"
    fuzzy = [_describe(entry) for entry in active if "fuzzy" in entry.flags]
    empty = [
        _describe(entry)
        for entry in active
        if (entry.msgid_plural and not all(entry.msgstr_plural.values()))
        or (not entry.msgid_plural and not entry.msgstr)
    ]
    problems = []
    if empty:
        problems.append(f"{len(empty)} untranslated: {', '.join(empty[:10])}{' …' if len(empty) > 10 else ''}")
    if fuzzy:
        problems.append(f"{len(fuzzy)} fuzzy: {', '.join(fuzzy[:10])}")
    assert not problems, f"{code} ({_po_path(code)}): " + "; ".join(problems)


@pytest.mark.parametrize("code", SUPPORTED_LOCALES)
def test_translations_keep_the_placeholders(code: str) -> None:
    wrong: list[str] = []
    for entry in _catalogue(code):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            originals = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            forms = [placeholders(text) for text in entry.msgstr_plural.values() if text]
            # A form may leave out the count ("one" forms often say "a"/"jeden") but never invent a placeholder,
            # and together the forms use every placeholder of the plural original.
            invented = [dict(form) for form in forms if set(form) - set(originals)]
            unused = set(placeholders(entry.msgid_plural)) - set().union(*forms) if forms else set()
            if invented or unused:
                wrong.append(f"{_describe(entry)}: forms invent {invented}, leave out {sorted(unused)}")
        elif entry.msgstr and placeholders(entry.msgstr) != placeholders(entry.msgid):
            wrong.append(
                f"{_describe(entry)}: translation has {dict(placeholders(entry.msgstr))}, "
                f"original {dict(placeholders(entry.msgid))}"
            )
    assert not wrong, f"{code}: placeholders differ from the original:\n  " + "\n  ".join(wrong)


# An example postcode or phone number in a translation ("OX4 1AA", "01865 792422") split across two lines on a
# phone reads as two things; in Urdu a Latin run that starts with punctuation (".ics") shows it at the wrong end.
BREAKABLE_EXAMPLE = re.compile(r"\bOX\d{1,2} \d[A-Z]{2}\b|\b0\d{4} \d{6}\b")
LEADING_PUNCTUATION_RUN = re.compile(r"(?<![\u2066\w@])\.[a-z]{2,4}\b")


@pytest.mark.parametrize("code", [code for code in SUPPORTED_LOCALES if code != "en"])
def test_examples_stay_whole_and_latin_runs_keep_their_order(code: str) -> None:
    wrong: list[str] = []
    for entry in _catalogue(code):
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        if any(BREAKABLE_EXAMPLE.search(text) for text in texts):
            wrong.append(f"{_describe(entry)}: a postcode or phone number with a breaking space")
        if Locale.parse(code).character_order == "right-to-left" and any(
            LEADING_PUNCTUATION_RUN.search(text) for text in texts
        ):
            wrong.append(f"{_describe(entry)}: a Latin run starting with a full stop, not isolated (U+2066)")
    assert not wrong, f"{code}:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("code", SUPPORTED_LOCALES)
def test_plural_entries_have_the_locales_number_of_forms(code: str) -> None:
    expected = get_plural(Locale.parse(code)).num_plurals
    catalogue = _catalogue(code)
    header = catalogue.metadata.get("Plural-Forms", "")
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    assert match is not None, f"{code}: no Plural-Forms header"
    assert int(match.group(1)) == expected, f"{code}: Plural-Forms says {match.group(1)} forms, CLDR says {expected}"
    wrong = [
        f"{_describe(entry)} has {len(entry.msgstr_plural)}"
        for entry in catalogue
        if entry.msgid_plural and not entry.obsolete and len(entry.msgstr_plural) != expected
    ]
    assert not wrong, f"{code}: plural entries need {expected} forms: {wrong}"


@pytest.mark.parametrize("code", SUPPORTED_LOCALES)
def test_compiled_catalogue_exists_and_matches(code: str) -> None:
    mo_path = _po_path(code).with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `python -m backend.cli i18n compile` (scripts/bootstrap does)"
    compiled = {_key(entry): (entry.msgstr, dict(entry.msgstr_plural)) for entry in polib.mofile(str(mo_path))}
    source = {
        _key(entry): (entry.msgstr, {int(k): v for k, v in entry.msgstr_plural.items()})
        for entry in _catalogue(code)
        if not entry.obsolete and "fuzzy" not in entry.flags and (entry.msgstr or any(entry.msgstr_plural.values()))
    }
    compiled.pop((None, "", ""), None)  # the header
    stale = sorted(key[1] for key in source if compiled.get(key) != source[key])
    assert not stale, f"{mo_path} is older than its .po: run `python -m backend.cli i18n compile` ({stale[:5]})"


def test_the_placeholder_reader_itself() -> None:
    assert placeholders("Hello %(name)s, %(count)d left, 100%% sure") == Counter({"name": 1, "count": 1})
    assert placeholders("Cześć {{ name }}") == Counter({"name": 1})
    assert placeholders("%s and %s") == Counter({"<positional>": 2})
    assert placeholders("Hello %(name)s") != placeholders("Hello %(nazwa)s")
