"""Load and validate a knowledge directory into a `KnowledgeBase`.

Every problem is collected with its file and line, so an admin sees them all at once:
`knowledge/topics/online.yaml:42: topic 'sexting': contact 'lado-north' is not defined in
contacts.yaml`. Library code raises `KnowledgeError`; only the CLI decides how to exit.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from bot.matching import Thresholds, normalise
from bot.models import Contact, DatedTimes, Source, Topic, UrgentRule, Where
from bot.urgent import expand, normalise_phrase
from bot.yaml_lines import LineDict, LineList, YamlProblem, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OUT_OF_SCOPE = "out-of-scope"  # the label of out_of_scope.yaml's examples; no topic may take it
MIN_EXAMPLES = 5
MAX_NOW_WORDS = 40

# UK phone numbers as staff write them: 0 and 7-10 more digits in groups (0800 1111 too),
# +44 forms, and the short national service numbers. Years, ages, "s47" and "1,400" do not match.
PHONE_PATTERN = re.compile(
    r"(?<![\w+])(?:(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){6,9}"
    r"|999|112|101|111|116\s?\d{3}|18001(?:\s?\d+)?)(?![\w])"
)


def phone_numbers(text: str) -> list[str]:
    """The UK phone numbers written in `text`, as written."""
    return [m.group(0) for m in PHONE_PATTERN.finditer(text)]


def phone_key(number: str) -> str:
    """A phone number's digits, with +44 folded to 0, for comparing ways of writing it."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("440"):
        digits = digits[2:]
    elif digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge directory, and where."""

    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class KnowledgeError(Exception):
    """A knowledge directory that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self) -> tuple[type[KnowledgeError], tuple[list[Problem]]]:
        return (KnowledgeError, (self.problems,))


CALM_QUESTIONS_FILE = "urgent_calm_questions.yaml"


@dataclass(frozen=True)
class UrgencyExamples:
    """urgent_examples.yaml: messages that describe a child in danger now and messages that only
    use the same words, for the net behind the urgent rules, and its threshold."""

    urgent: tuple[str, ...]
    calm: tuple[str, ...]
    threshold: float
    # urgent_calm_questions.yaml: the knowledge base's questions the net treats as calm, frozen
    # when the threshold was chosen (None without the file: a sample of today's questions).
    questions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated knowledge base: contacts, topics, urgent rules (with the framing that sets
    them aside for teaching material, the phrases no rule reads as danger and the times that
    only date an event), synonyms, messages the bot must decline (`out_of_scope`), and the
    matching thresholds and sentence vectors' weight chosen for it (None: the matcher's
    defaults)."""

    contacts: Mapping[str, Contact]
    topics: Mapping[str, Topic]
    urgent_rules: tuple[UrgentRule, ...]
    synonyms: Mapping[str, tuple[str, ...]]
    directory: Path = field(compare=False)
    thresholds: Thresholds | None = None
    semantic_weight: float | None = None
    out_of_scope: tuple[str, ...] = ()
    urgency: UrgencyExamples | None = None
    urgent_framing: UrgentRule | None = None
    urgent_not_danger: tuple[str, ...] = ()
    urgent_dated: DatedTimes | None = None

    def labelled_examples(self) -> list[tuple[str, str]]:
        """(label, example) for the matcher: every topic's examples, then the out-of-scope ones
        under the label `OUT_OF_SCOPE`."""
        pairs = [(t.id, example) for t in self.topics.values() for example in t.examples]
        return pairs + [(OUT_OF_SCOPE, example) for example in self.out_of_scope]

    @property
    def decline_label(self) -> str | None:
        """The matcher's label for messages to decline, when the base lists any."""
        return OUT_OF_SCOPE if self.out_of_scope else None

    def example_contacts(self) -> list[Contact]:
        """Local contacts still set to the shipped fictional examples."""
        return [c for c in self.contacts.values() if c.example]


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is below it, as the CLI prints it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


class _Collector:
    """Gathers problems for one file."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = display_path(path)
        self.problems = problems

    def at(self, line: int) -> Where:
        return Where(self.path, line)

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.at(line), message))


def _key_line(mapping: LineDict, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line)


def _item_line(items: LineList, index: int) -> int:
    return items.item_lines[index] if index < len(items.item_lines) else items.line


def _read(path: Path, problems: list[Problem]) -> Any:
    collector = _Collector(path, problems)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        collector.add(1, "not UTF-8 text")
        return None
    except OSError as error:
        collector.add(1, f"cannot read the file: {error.strerror}")
        return None
    try:
        return load_yaml(text)
    except YamlProblem as problem:
        collector.add(problem.line, problem.message)
        return None


class _Fields:
    """Typed access to one YAML mapping, reporting missing, unknown and mistyped fields."""

    def __init__(
        self, raw: LineDict, what: str, out: _Collector, required: set[str], optional: set[str]
    ) -> None:
        self.raw = raw
        self.what = what
        self.out = out
        for key in raw:
            if key not in required and key not in optional:
                known = ", ".join(sorted(required | optional))
                out.add(_key_line(raw, key), f"{what}: unknown key '{key}' (known keys: {known})")
        for key in sorted(required - set(raw)):
            out.add(raw.line, f"{what}: missing '{key}'")

    def line(self, key: str) -> int:
        return _key_line(self.raw, key)

    def valid_id(self) -> str | None:
        """The `id` when it is lower-case words joined by dashes (reported when present but
        not); None otherwise."""
        value = self.raw.get("id")
        if isinstance(value, str) and ID_PATTERN.match(value):
            return value
        if "id" in self.raw:
            self.out.add(
                self.line("id"), f"{self.what}: id must be lower case words joined by dashes"
            )
        return None

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.out.add(self.line(key), f"{self.what}: '{key}' must be non-empty text")
            return ""
        return value.strip()

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            self.out.add(self.line(key), f"{self.what}: '{key}' must be true or false")
            return False
        return value

    def texts(self, key: str) -> list[tuple[str, int]]:
        """A list of non-empty strings with their lines."""
        value = self.raw.get(key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.out.add(self.line(key), f"{self.what}: '{key}' must be a list")
            return []
        items: list[tuple[str, int]] = []
        for index, item in enumerate(value):
            line = _item_line(value, index)
            if not isinstance(item, str) or not item.strip():
                self.out.add(line, f"{self.what}: every item of '{key}' must be non-empty text")
                continue
            items.append((item.strip(), line))
        return items


def _entries(data: Any, key: str, out: _Collector) -> Iterator[tuple[LineDict, int]]:
    """The mappings listed under top-level `key`, with their lines."""
    if data is None:
        return
    if not isinstance(data, LineDict):
        out.add(1, f"the file must be a mapping with a '{key}:' list")
        return
    items = data.get(key)
    if not isinstance(items, LineList):
        out.add(_key_line(data, key) if key in data else 1, f"'{key}:' must be a list")
        return
    for index, item in enumerate(items):
        if not isinstance(item, LineDict):
            out.add(_item_line(items, index), f"each entry of '{key}:' must be a mapping")
            continue
        yield item, _item_line(items, index)


def _load_contacts(path: Path, problems: list[Problem]) -> dict[str, Contact]:
    out = _Collector(path, problems)
    data = _read(path, problems)
    if data is None:
        return {}
    if not isinstance(data, LineDict):
        out.add(1, "contacts.yaml must be a mapping with 'local:' and 'national:' lists")
        return {}
    for key in data:
        if key not in ("local", "national"):
            out.add(_key_line(data, key), f"unknown key '{key}' (known keys: local, national)")
    contacts: dict[str, Contact] = {}
    for section in ("local", "national"):
        if section not in data:
            continue
        for raw, _line in _entries(data, section, out):
            contact = _contact(raw, section == "local", out)
            if contact is None:
                continue
            if contact.id in contacts:
                first = contacts[contact.id].where
                out.add(raw.line, f"contact '{contact.id}' is defined twice (first at {first})")
                continue
            contacts[contact.id] = contact
    return contacts


# Ofcom's numbers for drama (https://www.ofcom.org.uk/phones-and-broadband/phone-numbers/
# numbers-for-drama): never allocated, so a fictional example can use them and nothing else can.
_DRAMA_NUMBERS = re.compile(
    r"0(?:1632960|7700900|2079460|11[3-8]4960|1214960|1314960|1414960|1514960|1614960"
    r"|1914980|2896496|2920180|8081570|9098790|3069990)[0-9]{3}"
)


def is_drama_number(number: str) -> bool:
    """Whether a UK number is one Ofcom keeps for drama (01632 960xxx, 07700 900xxx...)."""
    return bool(_DRAMA_NUMBERS.fullmatch(phone_key(number)))


def _contact(raw: LineDict, local: bool, out: _Collector) -> Contact | None:
    contact_id = raw.get("id")
    what = f"contact '{contact_id}'" if isinstance(contact_id, str) else "contact"
    fields = _Fields(raw, what, out, {"id", "name", "role", "reach", "when"}, {"phones", "example"})
    contact_id = fields.valid_id()
    if contact_id is None:
        return None
    reach = fields.text("reach")
    phones = tuple(text for text, _ in fields.texts("phones"))
    example = fields.flag("example")
    for key in ("name", "role", "reach", "when"):
        template = _TEMPLATE.search(fields.text(key))
        if template:
            out.add(
                fields.line(key),
                f"{what}: '{key}' still holds the template text '{template.group()}'; "
                "put in the real details",
            )
    if example and not local:
        out.add(fields.line("example"), f"{what}: only local contacts can be examples")
    listed = {phone_key(p) for p in phones}
    for number in phone_numbers(reach):
        if phone_key(number) not in listed:
            out.add(
                fields.line("reach"),
                f"{what}: phone number '{number}' in 'reach' is not listed in 'phones'",
            )
    for number, line in fields.texts("phones"):
        if not phone_numbers(number):
            out.add(line, f"{what}: '{number}' does not look like a UK phone number")
        elif not example and is_drama_number(number):
            out.add(
                line,
                f"{what}: '{number}' is in Ofcom's range for drama, which no one answers; "
                "mark the contact 'example: true' or give its real number",
            )
    return Contact(
        id=contact_id,
        name=fields.text("name"),
        role=fields.text("role"),
        reach=reach,
        when=fields.text("when"),
        local=local,
        example=example,
        phones=phones,
        where=out.at(raw.line),
    )


def _load_topics(
    paths: list[Path], problems: list[Problem]
) -> tuple[list[tuple[Topic, LineDict, _Collector]], bool]:
    """The topics of every file, and whether every file could be read."""
    loaded: list[tuple[Topic, LineDict, _Collector]] = []
    complete = True
    for path in paths:
        out = _Collector(path, problems)
        data = _read(path, problems)
        complete = complete and data is not None
        for raw, _line in _entries(data, "topics", out):
            topic = _topic(raw, out)
            if topic is not None:
                loaded.append((topic, raw, out))
    return loaded, complete


def _topic(raw: LineDict, out: _Collector) -> Topic | None:
    topic_id = raw.get("id")
    what = f"topic '{topic_id}'" if isinstance(topic_id, str) else "topic"
    fields = _Fields(
        raw,
        what,
        out,
        {"id", "title", "examples", "answer", "contacts", "related", "sources"},
        {"now"},
    )
    topic_id = fields.valid_id()
    if topic_id is None:
        return None
    examples = fields.texts("examples")
    if "examples" in raw and len(examples) < MIN_EXAMPLES:
        out.add(
            fields.line("examples"),
            f"{what}: has {len(examples)} example questions; at least {MIN_EXAMPLES} are "
            "needed for the bot to recognise it",
        )
    now = fields.text("now")
    if len(now.split()) > MAX_NOW_WORDS:
        out.add(
            fields.line("now"),
            f"{what}: 'now' has {len(now.split())} words; keep it to {MAX_NOW_WORDS} or fewer "
            "(it is read first, often on a phone): put the rest in the answer",
        )
    sources = _sources(raw, what, out)
    if "sources" in raw and not sources:
        out.add(fields.line("sources"), f"{what}: has no sources; cite the published guidance")
    return Topic(
        id=topic_id,
        title=fields.text("title"),
        examples=tuple(text for text, _ in examples),
        answer=fields.text("answer"),
        contacts=tuple(text for text, _ in fields.texts("contacts")),
        related=tuple(text for text, _ in fields.texts("related")),
        sources=tuple(sources),
        now=now,
        where=out.at(raw.line),
    )


# Template text left in a contact: "<real number>", "<email>" (README, setting local contacts).
_TEMPLATE = re.compile(r"<[^<>]*>")
# Template text left in a source: "<the guidance you used>", "https://www.gov.uk/...".
_PLACEHOLDER = re.compile(rf"{_TEMPLATE.pattern}|\.\.\.|…")


def _sources(raw: LineDict, what: str, out: _Collector) -> list[Source]:
    items = raw.get("sources")
    if items is None:
        return []
    if not isinstance(items, LineList):
        out.add(_key_line(raw, "sources"), f"{what}: 'sources' must be a list")
        return []
    sources: list[Source] = []
    for index, item in enumerate(items):
        line = _item_line(items, index)
        if not isinstance(item, LineDict):
            out.add(line, f"{what}: each source needs 'title:' (and 'url:' where there is one)")
            continue
        fields = _Fields(item, f"{what}: source", out, {"title"}, {"url"})
        title, url = fields.text("title"), fields.text("url")
        if title and _PLACEHOLDER.search(title):
            out.add(
                fields.line("title"),
                f"{what}: source title '{title}' is a placeholder; give the published "
                "guidance's own title",
            )
            continue
        if url and not re.match(r"^https?://\S+$", url):
            out.add(
                fields.line("url"),
                f"{what}: source url '{url}' must start with http:// or https://",
            )
            continue
        if url and _PLACEHOLDER.search(url):
            out.add(
                fields.line("url"),
                f"{what}: source url '{url}' is unfinished; give the document's full address",
            )
            continue
        if title:
            sources.append(Source(title, url or None))
    if sources and not any(source.url for source in sources):
        out.add(
            _key_line(raw, "sources"),
            f"{what}: no source has a 'url:'; link at least one published document",
        )
    return sources


class _UrgentFile(NamedTuple):
    """What urgent.yaml holds once read (see `_load_urgent`)."""

    rules: list[tuple[UrgentRule, LineDict, _Collector]]
    framing: UrgentRule | None
    not_danger: tuple[str, ...]
    dated: DatedTimes | None


def _load_urgent(path: Path, problems: list[Problem]) -> _UrgentFile:
    """The rules with their YAML and where to report, the framing (see `_framing`), the
    `not_danger` phrases and the `dated` times (see `bot.urgent.UrgentRules`)."""
    out = _Collector(path, problems)
    data = _read(path, problems)
    rules: list[tuple[UrgentRule, LineDict, _Collector]] = []
    framing: UrgentRule | None = None
    not_danger: tuple[str, ...] = ()
    dated: DatedTimes | None = None
    seen: dict[str, UrgentRule] = {}
    sets: dict[str, tuple[str, ...]] = {}
    spellings: list[tuple[str, tuple[str, ...]]] = []
    if isinstance(data, LineDict):
        for key in data:
            if key not in ("sets", "spellings", "framing", "not_danger", "dated", "rules"):
                out.add(
                    _key_line(data, key),
                    f"unknown key '{key}' (known keys: dated, framing, not_danger, rules, sets, "
                    "spellings)",
                )
        # sets: named phrase lists that groups and `unless` use as "$name".
        table = data.get("sets", LineDict())
        if not isinstance(table, LineDict):
            out.add(_key_line(data, "sets"), "'sets:' must map names to lists of phrases")
            table = LineDict()
        for name, phrases in table.items():
            line = _key_line(table, name)
            if not ID_PATTERN.match(name):
                out.add(line, f"set '{name}': a name must be lower case words joined by dashes")
                continue
            if not isinstance(phrases, LineList) or not phrases:
                out.add(line, f"set '{name}' must be a non-empty list of phrases")
                continue
            if not all(isinstance(p, str) and p.strip() for p in phrases):
                out.add(line, f"set '{name}': every phrase must be non-empty text")
            kept = []
            for index, phrase in enumerate(phrases):
                if not isinstance(phrase, str):
                    continue
                if problem := _symbol_problem(f"set '{name}'", phrase):
                    out.add(_item_line(phrases, index), problem)
                    continue
                kept.append(phrase)
            expanded, unknown = expand(kept, sets)
            for ref in unknown:
                out.add(line, f"set '{name}': '{ref}' is not a set defined above it")
            sets[name] = tuple(expanded)
        # spellings: a word, and the other single words staff type for it.
        table = data.get("spellings", LineDict())
        if not isinstance(table, LineDict):
            out.add(_key_line(data, "spellings"), "'spellings:' must map words to lists of words")
            table = LineDict()
        for word, variants in table.items():
            line = _key_line(table, word)
            canonical = normalise_phrase(word)
            ok = isinstance(variants, LineList) and bool(variants) and len(canonical.split()) == 1
            # A number is a word here ("4" for "for"); true/false are YAML's reading of yes/no.
            listed = variants if isinstance(variants, LineList) else []
            words = [v for v in listed if isinstance(v, str | int) and not isinstance(v, bool)]
            forms = [normalise_phrase(str(v)) for v in words]
            if len(words) < len(listed):
                forms.append("")
            if not ok or any(len(form.split()) != 1 for form in forms):
                out.add(
                    line,
                    f"spellings of '{word}' must be one word and a list of single words "
                    '(quote words YAML reads otherwise, such as "no" and "yes")',
                )
                continue
            spellings.append((canonical, tuple(forms)))
        if "framing" in data:
            framing = _framing(data, out, sets, tuple(spellings))
        if "not_danger" in data:
            fields = _Fields(data, "not_danger", out, set(), set(data))
            not_danger = _phrase_list(fields, "not_danger", out, sets)
        if "dated" in data:
            dated = _dated(data, out, sets)
    for raw, _line in _entries(data, "rules", out):
        rule_id = raw.get("id")
        what = f"urgent rule '{rule_id}'" if isinstance(rule_id, str) else "urgent rule"
        fields = _Fields(
            raw,
            what,
            out,
            {"id", "description", "all_of", "say", "contacts"},
            {"unless", "topic", "near"},
        )
        rule_id = fields.valid_id()
        if rule_id is None:
            continue
        near = raw.get("near")
        if near is not None and (isinstance(near, bool) or not isinstance(near, int) or near < 1):
            out.add(
                fields.line("near"), f"{what}: 'near' must be a whole number of words, 1 or more"
            )
            near = None
        groups = _phrase_groups(raw, what, out, sets)
        unless = _phrase_list(fields, "unless", out, sets)
        rule = UrgentRule(
            id=rule_id,
            description=fields.text("description"),
            all_of=groups,
            unless=unless,
            say=fields.text("say"),
            contacts=tuple(text for text, _ in fields.texts("contacts")),
            topic=fields.text("topic", required=False) or None,
            near=near,
            spellings=tuple(spellings),
            where=out.at(raw.line),
        )
        if rule_id in seen:
            out.add(raw.line, f"{what}: defined twice (first at {seen[rule_id].where})")
            continue
        seen[rule_id] = rule
        rules.append((rule, raw, out))
    return _UrgentFile(rules, framing, not_danger, dated)


def _phrase_list(
    fields: _Fields, key: str, out: _Collector, sets: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """A list of rule phrases with its `$sets` expanded; a symbol the rules cannot read or an
    unknown set is reported at its line and left out."""
    texts = []
    for text, line in fields.texts(key):
        if problem := _symbol_problem(fields.what, text):
            out.add(line, problem)
            continue
        texts.append(text)
    expanded, unknown = expand(texts, sets)
    for ref in unknown:
        out.add(fields.line(key), f"{fields.what}: '{ref}' is not a set (see 'sets:')")
    return tuple(expanded)


def _dated(
    data: LineDict, out: _Collector, sets: Mapping[str, tuple[str, ...]]
) -> DatedTimes | None:
    """`dated:`: `times` that only date an event, the words (`renewed_by`) that say the danger
    is here now all the same, the phrases (`present`) that say where or what it is now, and the
    phrases (`unless`) in which those words say nothing."""
    raw = data.get("dated")
    what = "dated"
    if not isinstance(raw, LineDict):
        out.add(
            _key_line(data, "dated"),
            "'dated:' must map 'times', 'renewed_by' and optionally 'unless' and 'present' "
            "to lists",
        )
        return None
    fields = _Fields(raw, what, out, {"times", "renewed_by"}, {"unless", "present"})
    times, renewed_by, unless, present = (
        _phrase_list(fields, key, out, sets) for key in ("times", "renewed_by", "unless", "present")
    )
    for key, phrases in (("times", times), ("renewed_by", renewed_by)):
        if key in raw and not phrases:
            out.add(fields.line(key), f"{what}: '{key}' must list at least one phrase")
    if not times or not renewed_by:
        return None
    return DatedTimes(times, renewed_by, unless, present)


def _framing(
    data: LineDict,
    out: _Collector,
    sets: Mapping[str, tuple[str, ...]],
    spellings: tuple[tuple[str, tuple[str, ...]], ...],
) -> UrgentRule | None:
    """`framing:` as a rule that no reply shows: `opening` phrases (its one group) that make a
    message teaching material when one starts within its first words, and `unless` phrases
    anywhere in the message that keep it urgent."""
    raw = data.get("framing")
    what = "framing"
    if not isinstance(raw, LineDict):
        out.add(_key_line(data, "framing"), "'framing:' must map 'opening' and 'unless' to lists")
        return None
    fields = _Fields(raw, what, out, {"opening", "unless"}, set())
    opening, unless = (_phrase_list(fields, key, out, sets) for key in ("opening", "unless"))
    for key, phrases in (("opening", opening), ("unless", unless)):
        if key in raw and not phrases:
            out.add(fields.line(key), f"{what}: '{key}' must list at least one phrase")
    if not opening or not unless:
        return None
    return UrgentRule(
        id="framing",
        description="A message that opens as teaching material, with nothing happening now.",
        all_of=(opening,),
        unless=unless,
        say="",
        contacts=(),
        topic=None,
        spellings=spellings,
        where=out.at(raw.line),
    )


def _unread_symbols(phrase: str) -> str:
    """The symbols in a rule phrase that reading drops ("£", "%", an emoji): a phrase that
    relies on one matches more than it says ("want £" reads as "want")."""
    return "".join(
        dict.fromkeys(
            c for c in phrase if unicodedata.category(c).startswith("S") and c not in "$#*`\u00b4"
        )
    )


def _symbol_problem(what: str, phrase: str) -> str | None:
    symbols = _unread_symbols(phrase)
    if not symbols:
        return None
    reads = normalise_phrase(phrase.replace("$", ""))
    return (
        f"{what}: '{phrase}' reads as '{reads}': rules do not read '{symbols}', so it would "
        "match more than it says; write the words staff type ('#' stands for a number)"
    )


def _phrase_groups(
    raw: LineDict, what: str, out: _Collector, sets: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[str, ...], ...]:
    """The rule's `all_of` groups, normalised, with every "$set" replaced by its phrases."""
    groups_raw = raw.get("all_of")
    if groups_raw is None:
        return ()
    if not isinstance(groups_raw, LineList) or not groups_raw:
        out.add(_key_line(raw, "all_of"), f"{what}: 'all_of' must be a list of phrase lists")
        return ()
    groups: list[tuple[str, ...]] = []
    for index, group in enumerate(groups_raw):
        line = _item_line(groups_raw, index)
        if not isinstance(group, LineList) or not group:
            out.add(line, f"{what}: each item of 'all_of' must be a non-empty list of phrases")
            continue
        texts = []
        for phrase in group:
            if not isinstance(phrase, str) or not normalise_phrase(phrase.replace("$", "")):
                out.add(line, f"{what}: every phrase must be non-empty text")
                continue
            if problem := _symbol_problem(what, phrase):
                out.add(line, problem)
                continue
            texts.append(phrase)
        phrases, unknown = expand(texts, sets)
        for ref in unknown:
            out.add(line, f"{what}: '{ref}' is not a set (see 'sets:')")
        groups.append(tuple(phrases))
    return tuple(groups)


def _load_synonyms(path: Path, problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    out = _Collector(path, problems)
    data = _read(path, problems)
    if data is None:
        return {}
    if not isinstance(data, LineDict) or not isinstance(data.get("synonyms"), LineDict):
        out.add(1, "synonyms.yaml must be a mapping with a 'synonyms:' mapping")
        return {}
    groups: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    table: LineDict = data["synonyms"]
    for key, phrases in table.items():
        line = _key_line(table, key)
        canonical = normalise(key)
        if not canonical:
            out.add(line, f"synonym key '{key}' has no letters or digits")
            continue
        if not isinstance(phrases, LineList) or not phrases:
            out.add(line, f"synonyms of '{key}' must be a non-empty list of phrases")
            continue
        cleaned: list[str] = []
        for index, phrase in enumerate(phrases):
            item_line = _item_line(phrases, index)
            variant = normalise(phrase) if isinstance(phrase, str) else ""
            if not variant:
                out.add(item_line, f"synonyms of '{key}': every phrase must be non-empty text")
                continue
            if variant == canonical:
                out.add(item_line, f"synonyms of '{key}': '{phrase}' is the key itself")
                continue
            for term in (canonical, variant):
                if term in owner and owner[term] != key:
                    out.add(
                        item_line,
                        f"synonyms of '{key}': '{term}' is also in the group "
                        f"'{owner[term]}'; a phrase belongs to one group",
                    )
            owner.setdefault(canonical, key)
            owner.setdefault(variant, key)
            cleaned.append(str(phrase).strip())
        groups[key] = tuple(cleaned)
    return groups


def _load_out_of_scope(path: Path, problems: list[Problem]) -> list[tuple[str, int, _Collector]]:
    """out_of_scope.yaml: messages that are not safeguarding questions, with their lines."""
    out = _Collector(path, problems)
    data = _read(path, problems)
    if data is None:
        return []
    if not isinstance(data, LineDict) or not isinstance(data.get("examples"), LineList):
        out.add(1, "out_of_scope.yaml must be a mapping with an 'examples:' list")
        return []
    fields = _Fields(data, "out_of_scope.yaml", out, {"examples"}, set())
    return [(text, line, out) for text, line in fields.texts("examples")]


def _load_urgency(path: Path, problems: list[Problem]) -> UrgencyExamples | None:
    """urgent_examples.yaml: `urgent:` and `calm:` message lists and a `threshold:` from 0 to 1."""
    out = _Collector(path, problems)
    data = _read(path, problems)
    if data is None:
        return None
    if not isinstance(data, LineDict):
        out.add(
            1, "urgent_examples.yaml must be a mapping with 'urgent:', 'calm:' and 'threshold:'"
        )
        return None
    fields = _Fields(data, "urgent_examples.yaml", out, {"urgent", "calm", "threshold"}, set())
    urgent, calm = fields.texts("urgent"), fields.texts("calm")
    value = data.get("threshold")
    if "threshold" in data and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
    ):
        out.add(fields.line("threshold"), "'threshold' must be a number from 0 to 1")
        return None
    for key, items in (("urgent", urgent), ("calm", calm)):
        if key in data and not items:
            out.add(fields.line(key), f"'{key}' needs at least one message")
    if not urgent or not calm or value is None:
        return None
    return UrgencyExamples(
        tuple(text for text, _ in urgent), tuple(text for text, _ in calm), float(value)
    )


def _load_calm_questions(path: Path, problems: list[Problem]) -> tuple[str, ...] | None:
    """urgent_calm_questions.yaml: a `questions:` list of non-empty texts."""
    out = _Collector(path, problems)
    data = _read(path, problems)
    if data is None:
        return None
    if not isinstance(data, LineDict) or "questions" not in data:
        out.add(1, "urgent_calm_questions.yaml must be a mapping with a 'questions:' list")
        return None
    fields = _Fields(data, "urgent_calm_questions.yaml", out, {"questions"}, set())
    return tuple(text for text, _ in fields.texts("questions"))


def _load_matching(path: Path, problems: list[Problem]) -> tuple[Thresholds | None, float | None]:
    """matching.yaml: the thresholds and, optionally, the sentence vectors' weight."""
    out = _Collector(path, problems)
    data = _read(path, problems)
    if data is None:
        return None, None
    table = data.get("thresholds") if isinstance(data, LineDict) else None
    if not isinstance(data, LineDict) or not isinstance(table, LineDict):
        out.add(1, "matching.yaml must be a mapping with a 'thresholds:' mapping")
        return None, None
    top = _Fields(data, "matching.yaml", out, {"thresholds"}, {"semantic_weight"})
    weight: float | None = None
    if "semantic_weight" in data:
        value = data.get("semantic_weight")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            out.add(top.line("semantic_weight"), "'semantic_weight' must be a number from 0 to 1")
        else:
            weight = float(value)
    return _thresholds(table, out), weight


def _thresholds(table: LineDict, out: _Collector) -> Thresholds | None:
    fields = _Fields(table, "thresholds", out, {"answer", "margin", "suggest"}, set())
    values: dict[str, float] = {}
    for key in ("answer", "margin", "suggest"):
        value = table.get(key)
        if key not in table:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            out.add(fields.line(key), f"thresholds: '{key}' must be a number from 0 to 1")
            continue
        values[key] = float(value)
    if len(values) < 3:
        return None
    if values["suggest"] > values["answer"]:
        out.add(fields.line("suggest"), "thresholds: 'suggest' must not be above 'answer'")
        return None
    return Thresholds(answer=values["answer"], margin=values["margin"], suggest=values["suggest"])


def load(directory: str | os.PathLike[str]) -> KnowledgeBase:
    """Load and validate a knowledge directory; raise `KnowledgeError` listing every problem."""
    base, problems = _load(Path(directory))
    if problems or base is None:
        raise KnowledgeError(problems)
    return base


def check(directory: str | os.PathLike[str], *, refuse_examples: bool = False) -> list[Problem]:
    """Every problem in a knowledge directory, in file order; empty when it is clean. With
    `refuse_examples` (production mode), a local contact still marked as an example is one too,
    as when the bot starts."""
    base, problems = _load(Path(directory))
    if base is not None and refuse_examples:
        problems += example_contact_problems(base)
    return problems


def _load(directory: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    problems: list[Problem] = []
    if not directory.is_dir():
        problems.append(Problem(Where(display_path(directory), 0), "no such knowledge directory"))
        return None, problems
    required = {name: directory / name for name in ("contacts.yaml", "urgent.yaml")}
    for name, path in required.items():
        if not path.is_file():
            problems.append(Problem(Where(display_path(path), 0), f"missing {name}"))
    topic_paths = sorted((directory / "topics").glob("*.yaml"))
    if not topic_paths:
        problems.append(
            Problem(Where(display_path(directory / "topics"), 0), "no topic files (topics/*.yaml)")
        )
    if problems:
        return None, problems

    contacts = _load_contacts(required["contacts.yaml"], problems)
    synonyms_path = directory / "synonyms.yaml"
    synonyms = _load_synonyms(synonyms_path, problems) if synonyms_path.is_file() else {}
    matching_path = directory / "matching.yaml"
    thresholds, semantic_weight = (
        _load_matching(matching_path, problems) if matching_path.is_file() else (None, None)
    )
    loaded_topics, topics_complete = _load_topics(topic_paths, problems)
    urgent = _load_urgent(required["urgent.yaml"], problems)
    outside_path = directory / "out_of_scope.yaml"
    outside = _load_out_of_scope(outside_path, problems) if outside_path.is_file() else []
    urgency_path = directory / "urgent_examples.yaml"
    urgency = _load_urgency(urgency_path, problems) if urgency_path.is_file() else None
    frozen_path = directory / CALM_QUESTIONS_FILE
    if urgency is not None and frozen_path.is_file():
        urgency = dataclasses.replace(
            urgency, questions=_load_calm_questions(frozen_path, problems)
        )

    topics: dict[str, Topic] = {}
    example_owner: dict[str, tuple[Topic, Where]] = {}  # each example's topic and line
    known_numbers = {phone_key(p) for c in contacts.values() for p in c.phones}
    for topic, raw, out in loaded_topics:
        if topic.id in topics:
            out.add(
                raw.line, f"topic '{topic.id}' is defined twice (first at {topics[topic.id].where})"
            )
            continue
        if topic.id == OUT_OF_SCOPE:
            out.add(
                _key_line(raw, "id"),
                f"topic id '{OUT_OF_SCOPE}' is reserved for out_of_scope.yaml's examples",
            )
            continue
        topics[topic.id] = topic
        examples = raw.get("examples")
        for index, example in enumerate(topic.examples):
            key = normalise(example)
            line = _item_line(examples, index) if isinstance(examples, LineList) else raw.line
            owner = example_owner.get(key)
            if owner is not None:
                other, first = owner
                where = "twice" if other.id == topic.id else f"also by topic '{other.id}'"
                out.add(
                    line,
                    f"topic '{topic.id}': example '{example}' is used {where} (at {first}); "
                    "keep it in one topic only",
                )
            else:
                example_owner[key] = (topic, out.at(line))
        for key, text in (("now", topic.now), ("answer", topic.answer)):
            _check_numbers(text, f"topic '{topic.id}'", raw, key, out, known_numbers)

    declined: dict[str, Where] = {}
    for example, line, out in outside:
        key = normalise(example)
        owner = example_owner.get(key)
        if owner is not None:
            out.add(
                line, f"'{example}' is also an example of topic '{owner[0].id}' (at {owner[1]})"
            )
        elif key in declined:
            out.add(line, f"'{example}' is listed twice (first at {declined[key]})")
        else:
            declined[key] = out.at(line)

    for topic, raw, out in loaded_topics:
        if topics.get(topic.id) is not topic:
            continue
        _check_refs(
            raw,
            f"topic '{topic.id}'",
            "contacts",
            topic.contacts,
            contacts,
            out,
            "is not defined in contacts.yaml",
        )
        if topics_complete:  # else a topic may only look missing because its file is broken
            _check_refs(
                raw, f"topic '{topic.id}'", "related", topic.related, topics, out, "is not a topic"
            )
        if topic.id in topic.related:
            out.add(_key_line(raw, "related"), f"topic '{topic.id}' lists itself as related")

    for rule, raw, out in urgent.rules:
        what = f"urgent rule '{rule.id}'"
        _check_refs(
            raw, what, "contacts", rule.contacts, contacts, out, "is not defined in contacts.yaml"
        )
        if "police-999" in contacts and rule.contacts and rule.contacts[0] != "police-999":
            out.add(_key_line(raw, "contacts"), f"{what}: the first contact must be police-999")
        if topics_complete and rule.topic is not None and rule.topic not in topics:
            out.add(_key_line(raw, "topic"), f"{what}: topic '{rule.topic}' is not a topic")
        _check_numbers(rule.say, what, raw, "say", out, known_numbers)

    for required_id in ("police-999", "dsl"):
        if contacts and required_id not in contacts:
            problems.append(
                Problem(
                    Where(display_path(required["contacts.yaml"]), 1),
                    f"contact '{required_id}' is required: every reply names it",
                )
            )

    if problems:
        return None, problems
    return KnowledgeBase(
        contacts=contacts,
        topics=topics,
        urgent_rules=tuple(rule for rule, _, _ in urgent.rules),
        urgent_framing=urgent.framing,
        urgent_not_danger=urgent.not_danger,
        urgent_dated=urgent.dated,
        synonyms=synonyms,
        directory=directory,
        thresholds=thresholds,
        semantic_weight=semantic_weight,
        out_of_scope=tuple(example for example, _, _ in outside),
        urgency=urgency,
    ), []


def _check_refs(
    raw: LineDict,
    what: str,
    key: str,
    ids: tuple[str, ...],
    known: Mapping[str, object],
    out: _Collector,
    missing: str,
) -> None:
    items = raw.get(key)
    for index, ref in enumerate(ids):
        if ref not in known:
            line = _item_line(items, index) if isinstance(items, LineList) else _key_line(raw, key)
            noun = "contact" if key == "contacts" else "related topic"
            out.add(line, f"{what}: {noun} '{ref}' {missing}")


def _check_numbers(
    text: str, what: str, raw: LineDict, key: str, out: _Collector, known: set[str]
) -> None:
    start = raw.text_lines.get(key, _key_line(raw, key))
    for match in PHONE_PATTERN.finditer(text):
        if phone_key(match.group(0)) not in known:
            line = start + text.count("\n", 0, match.start())
            out.add(
                line,
                f"{what}: phone number '{match.group(0)}' is not in contacts.yaml; "
                "add it to a contact's 'phones' first",
            )


def example_contact_problems(base: KnowledgeBase) -> list[Problem]:
    """One problem per local contact still set to a fictional example (for production mode)."""
    return [
        Problem(
            contact.where or Where(display_path(base.directory / "contacts.yaml"), 0),
            f"contact '{contact.id}' is still marked 'example: true' ({contact.reach}); set "
            "your real contact and remove 'example: true'",
        )
        for contact in base.example_contacts()
    ]
