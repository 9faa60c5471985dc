"""Stage 4: turn spaCy entities into typed `Mention`s, filtering what is never a name."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .gazetteer import load_gazetteer
from .names import is_acronym, tidy
from .nlp import RULER_LABEL_PREFIX, ChunkSentences, lemma
from .records import Mention
from .resources import load_yaml

NER_CLASSES = {"PERSON": "Person", "ORG": "Organisation", "GPE": "Place", "LOC": "Place",
               "LAW": "Policy", "WORK_OF_ART": "WorkOfArt"}


@lru_cache(maxsize=1)
def _lexicon():
    lex = load_yaml("lexicon.yaml")
    not_names = {n.lower() for n in lex["not_names"]} | {g.lower() for g in lex["grades"]}
    honorific = re.compile(r"^(?:(?:" + "|".join(map(re.escape, lex["honorifics"]))
                           + r")\.?\s+)+")
    post = re.compile(r"(?:\s+(?:" + "|".join(map(re.escape, lex["post_nominals"])) + r"))+$")
    redactions = [re.compile(p) for p in lex["redaction_patterns"]]
    org_words = [(re.compile(r"\b(?:" + "|".join(map(re.escape, r["words"])) + r")\b"),
                  r["class"]) for r in lex["org_class_by_word"]]
    generic_last = {w.lower() for w in lex["generic_last_words"]}
    person_prefix = re.compile(r"^(?:(?:" + "|".join(map(re.escape, lex["person_prefix_words"]))
                               + r")\s+)+")
    return not_names, honorific, post, redactions, org_words, generic_last, person_prefix


@lru_cache(maxsize=1)
def _titles() -> frozenset[str]:
    """Role words and honorifics: a name made only of these is a title ("National Chair")."""
    lex = load_yaml("lexicon.yaml")
    words = set(lex.get("role_words") or []) | set(lex["person_prefix_words"]) | set(lex["grades"])
    for h in lex["honorifics"]:
        words.update(h.split())
    return frozenset(w.lower().rstrip(".") for w in words)


@lru_cache(maxsize=1)
def common_name_words() -> frozenset[str]:
    """Words common in the trade's names ("Community", "Probation"), lower-cased."""
    return frozenset(w.lower() for w in (load_yaml("lexicon.yaml").get("common_name_words")
                                         or []))


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    return common_name_words() | _titles() | {
        w.lower() for w in load_yaml("lexicon.yaml")["generic_last_words"]}


def _distinctive(words: list[str]) -> bool:
    """Whether the words before a generic last word name something: two or more, one of
    them no common word of the trade."""
    return len(words) >= 2 and any(w[:1].isupper() and w.lower() not in _common_words()
                                   for w in words)


def is_title(name: str) -> bool:
    """'Rt Hon', 'National Chair', 'Deputy Chief Executive', 'Chair of Trustees': role
    words and honorifics only, linked by "of" or "the"."""
    words = [w.strip(".,'’") for w in name.split()]
    return bool(words) and words[0].lower() in _titles() and all(
        w.lower() in _titles() or w in ("of", "the") for w in words if w)


def strip_titles(name: str) -> str:
    """'Dame Glenys Stacey' → 'Glenys Stacey'; 'Bob Neill MP' → 'Bob Neill'."""
    lex = _lexicon()
    honorific, post, person_prefix = lex[1], lex[2], lex[6]
    name = person_prefix.sub("", honorific.sub("", name + " ").strip())
    return post.sub("", honorific.sub("", name + " ").strip()).strip()


def org_class(name: str) -> str:
    """The finer organisation class suggested by the words of its name."""
    for pattern, cls in _lexicon()[4]:
        if pattern.search(name):
            return cls
    return "Organisation"


def is_never_a_name(word: str) -> bool:
    """Furniture, a grade or a generic word of the lexicon's `not_names`."""
    return word.lower() in _lexicon()[0]


def acceptable_name(name: str, cls: str) -> bool:
    """False for furniture, grades, job titles, redactions, common nouns and noise."""
    not_names, _, _, redactions, _, generic_last, _ = _lexicon()
    if len(name) < 2 or name.lower() in not_names or "\n" in name or is_title(name):
        return False
    if re.match(r"(?i)(?:I|we|you|they)['’](?:ve|m|d|re|ll)\b", name):
        return False  # "I've", "We're": a pronoun NER took for a name
    words = name.split()
    if words[-1].lower() in {"&", "and", "of", "the", "greater", "for", "on", "in", "at", "to",
                             "by", "with", "from"}:
        return False  # a name cut short: "Cheshire & Greater", "the House on"
    if words[-1].lower() in generic_last and cls not in ("Document", "Intervention") \
            and not _distinctive(words[:-1]):
        return False  # a title-cased common noun phrase ("Corporate Services"), not
        # "Pennine Rehabilitation Services"
    if "," in name and cls != "Place":
        return False  # a list, not a name
    if any(p.match(name) for p in redactions):
        return False
    if not re.search(r"[A-Za-z]", name) or name == name.lower():
        return False
    if cls == "Person":
        if any(not w[0].isupper() for w in words if w[0].isalpha()) or len(words) > 4:
            return False
        if any(w.isupper() and len(w) > 1 for w in words):
            return False
    # Unknown acronyms only count once the gazetteer or a definition names them.
    return not (is_acronym(name) and cls != "Place")


# --- organisations and places typed by their context -----------------------------------------

_CAP = r"(?:[A-Z][\w'’&.-]*|[0-9]+[A-Za-z][\w-]*)"
_LINK = r"(?:of|for|and|&|the|upon|under|de|du|la|le)"
_NAME = rf"{_CAP}(?:(?<!\.)\s+(?:{_LINK}\s+)*{_CAP})*"  # never across "Nacro. Our", "OBE. St Giles"
_NEXT_OK = (r"(?=\s*(?:[,.;:)!?]|$|\s*\(|\s+(?:that|which|who|based|in|of|for|with|from|run|owned|and|"
            r"to|set|founded|whose|working|providing|led|said|says|has|had|have|is|was|were|are|"
            r"will|would|now|also|since|formed|created|headquartered|registered|operating|"
            r"delivering|supporting|helping|called|known|named|made|comprising|consisting|"
            r"including|bringing|backed|chaired|headed|managed|operated|specialising|funded|"
            r"commissioned|delivered|offered|provided|designed|launched|aimed)\b))")


_MADE_BY = r"(?:published|written|produced|commissioned|released|issued|by|from)\b"
# Verbs a report's title stands before ("whose report X: Progress review found that ...").
_REPORTING_VERBS = (r"(?:found|finds|said|says|concluded|concludes|showed|shows|argued|argues|"
                    r"recommended|recommends|reported|reports|warned|warns|was|is|has|had|set|"
                    r"sets|examined|examines|looked|looks|called|calls|described|describes)")
_TITLE_WORDS = r"(?:of|for|the|and|in|on|to|a|an|with|at|by|from|into|after|under|[a-z][\w'’-]*)"
_TITLE_LINKS = {"of", "for", "and", "the", "in", "on", "to", "a", "an", "&", ":", ",", "-", "–", "'s", "’s"}


@lru_cache(maxsize=1)
def _publishing_verbs() -> frozenset[str]:
    return frozenset(load_yaml("lexicon.yaml").get("publishing_verbs") or ())


class Typed(NamedTuple):
    start: int  # character offsets in the spaCy Doc
    end: int
    text: str
    cls: str
    gazetteer_key: str | None = None


@lru_cache(maxsize=1)
def _context_rules():
    lex = load_yaml("lexicon.yaml")
    oc = lex.get("org_context") or {}
    heads: dict[str, str] = {}
    for rule in oc.get("heads") or []:
        for w in rule["words"]:
            heads[w.lower()] = rule["class"]
            if not w.endswith("s") and " " not in w[-3:]:
                heads.setdefault(w.lower() + ("es" if w.endswith(("ss", "x")) else "s"),
                                 rule["class"])
    heads_re = "|".join(re.escape(h).replace(r"\ ", r"\s+")
                        for h in sorted(heads, key=len, reverse=True))
    dets = "|".join(map(re.escape, oc.get("determiners") or ["the", "a", "an"]))
    mods = rf"(?:(?:[a-z][\w'’-]*|[A-Z][\w]*-[a-z][\w-]*)\s+){{0,{int(oc.get('max_modifiers', 3))}}}"
    head = rf"(?P<head>{heads_re})"
    # ("the charity Nacro", "the programme, called Reset,")
    before = re.compile(rf"\b(?i:{dets})\s+{mods}{head}(?!['’]s)(?:,\s*|\s+)(?:(?:called|named|"
                        rf"known\s+as|dubbed|titled|entitled)\s+)?(?P<name>{_NAME})")
    after = re.compile(rf"(?P<name>{_NAME})(?:,\s*(?:which\s+is\s+|now\s+)?|\s+(?:is|was|has\s+been|"
                       rf"became|remains)\s+)(?:{dets})\s+{mods}{head}(?!['’]s){_NEXT_OK}")
    suffixes = {}
    for rule in oc.get("suffixes") or []:
        for w in rule["words"]:
            suffixes[w] = rule["class"]
    suffix_re = re.compile(rf"(?P<name>{_CAP}(?:(?<!\.)\s+(?:{_LINK}\s+)*{_CAP})*?\s+(?:"
                           + "|".join(re.escape(w) for w in sorted(suffixes, key=len, reverse=True))
                           + r"))(?![\w-])")
    tags = {str(k): str(v) for k, v in (lex.get("party_tags") or {}).items()}
    hansard = re.compile(r"\((?P<place>[A-Z][\w'’.-]*(?:\s+(?:and|&|upon|under|on|in|the|of|with|"
                         r"[A-Z][\w'’.-]*))*)\)\s*\((?P<party>"
                         + "|".join(re.escape(t) for t in sorted(tags, key=len, reverse=True))
                         + r")\)")
    area_heads = {}
    for rule in lex.get("place_org_heads") or []:
        for w in rule["words"]:
            area_heads[w] = rule["class"]
    area_re = re.compile(r"\s+(?P<head>" + "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(area_heads, key=len, reverse=True))
        + r")(?![\w-])")
    named = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in oc.get("named_before") or [])
    if named:  # "the Southern Pathways consortium": the name stands before its head
        before = re.compile(before.pattern + rf"|\b(?i:{dets})\s+(?P<name2>{_NAME})\s+"
                            rf"(?P<head2>{named})(?![\w-])")
    prisons = "|".join(re.escape(p).replace(r"\ ", r"\s+")
                       for p in sorted(lex.get("prison_prefixes") or [], key=len, reverse=True))
    prison_re = re.compile(rf"\b(?:{prisons})\s+{_CAP}(?:(?<!\.)\s+{_CAP})*") \
        if prisons else None
    nouns = "|".join(re.escape(n).replace(r"\ ", r"\s+")
                     for n in sorted(lex.get("document_nouns") or [], key=len, reverse=True))
    title = r"[“\"‘'](?P<{}>[A-Z][^“”\"\n]{{3,150}}?)[”\"’']"
    year = r"\s*\((?:19|20)\d\d\)"
    title_re = re.compile(rf"(?i:\b(?:{nouns})s?|\btitled|\bentitled|\bcalled),?\s+"
                          + title.format("name")
                          + "|" + title.format("after")
                          + rf",?\s+(?i:(?:a|an|the)\s+(?:[\w-]+\s+){{0,3}}(?:{nouns}))\b"
                          + "|" + title.format("dated") + year
                          # "Burke and Collett's Delivering Rehabilitation (2015)"
                          # (a subtitle after a colon, a title ending in a question mark)
                          + rf"|['’]s\s+(?P<owned>{_CAP}(?:(?:\s+(?:{_LINK}|in|on|to|a|an))*"
                          rf"(?::\s*|\s+){_CAP})*\??){year}"
                          # "whose report Intensive Supervision Courts: Getting It Right,"
                          + rf"|(?i:\b(?:{nouns}))\s+(?P<colon>{_CAP}(?:\s+(?:{_CAP}|{_LINK}|from|in|on|to|into|with|at))*:"
                          rf"\s+{_CAP}(?:\s+(?:{_CAP}|{_LINK}|[a-z][\w'’-]*))*?)(?=[,.;]|\s+\(|"
                          rf"\s+{_REPORTING_VERBS}\b)"
                          # "The report, An Inspection of Through the Gate ..., is published"
                          + rf"|(?i:\b(?:{nouns})s?)\b[^.;:\n,]{{0,100}},\s+(?P<appos>[A-Z][\w'’-]*"
                          rf"(?:(?::\s+|\s+[–-]\s+|\s+|,\s+(?=[A-Z]))(?:[A-Z0-9][\w'’-]*|{_TITLE_WORDS})){{3,25}})"
                          rf"(?:\s+\([^()\n]{{1,30}}\))?,\s+(?=[a-z])"
                          # "Change & Challenge, the report published by Clinks"
                          # (or "Change & Challenge, Clinks's survey of ...")
                          + rf"|(?P<before>{_NAME}),\s+(?:(?i:the|a|an)\s+(?i:(?:[\w-]+\s+){{0,3}}?"
                          rf"(?:{nouns}))\s+(?={_MADE_BY})|{_NAME}(?<=['’]s)\s+(?i:(?:[\w-]+\s+)"
                          rf"{{0,3}}?(?:{nouns}))\s+(?=(?:{_MADE_BY}|of|on|into)\b))"
                          # "its report Change & Challenge found that ...": capitalised words
                          # right after the noun, up to the sentence's verb
                          + rf"|(?i:\b(?:{nouns}))\s+(?P<plain>{_CAP}(?:\s+(?:{_LINK}\s+)*{_CAP})+)"
                          rf"(?=,|\s+{_REPORTING_VERBS}\b|\s+(?:which|that)\b)"
                          ) if nouns else None
    return (heads, before, after, suffixes, suffix_re, tags, hansard, area_heads, area_re,
            prison_re, title_re)


_SENTENCE_CASE_TITLE = re.compile(
    r"(?:An?|The)\s+(?:(?:thematic|joint|independent|unannounced|full)\s+)?(?:inspection|review"
    r"|evaluation|study|report|investigation|inquiry|audit)\s+(?:of|into|on)\s+.*\b[A-Z]\w*$")


def _title_cased(name: str) -> bool:
    """Whether words in apposition to a report's noun read as its title: at least four
    words, half of them or more capitalised, the last one too (or the first of a subtitle
    after a colon: "Integrated Offender Management: Progress review"); or a sentence-case
    title of the kind inspectorates give ("An inspection of probation services in Durham
    CRC")."""
    words = name.split()
    capitals = sum(w[:1].isupper() or w[:1].isdigit() for w in words)
    subtitle = name.split(": ", 1)[1] if ": " in name else ""
    return len(words) >= 4 and (words[-1][:1].isupper() or subtitle[:1].isupper()) and (
        2 * capitals >= len(words) or _SENTENCE_CASE_TITLE.match(name) is not None)


def _headline(sent) -> bool:
    """A title-cased line ('Serco Fined Over Tagging Contract'): capitals say nothing there."""
    words = [t.text for t in sent if t.is_alpha and len(t.text) > 3  # (known names apart:
             and not t.ent_type_.startswith(RULER_LABEL_PREFIX)]  # they are capitalised anyway)
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.85 * len(words)


def _clean_name(sdoc, start: int, end: int) -> tuple[int, int]:
    """Trim a possessive, trailing dots and a leading sentence-initial function word."""
    text = sdoc.text
    while end > start and text[end - 1] in ".'’-":
        end -= 1
    if text[start:end].endswith(("'s", "’s")):
        end -= 2
    first = re.match(r"[A-Za-z]+", text[start:end])
    if first and start + first.end() < end and first.group().lower() in {
            "the", "in", "at", "on", "by", "for", "of", "since", "when", "after", "before", "from",
            "with", "and", "but", "as", "under", "its", "their", "our", "this", "that", "a", "an"}:
        start = start + first.end()
        while start < end and text[start] == " ":
            start += 1
    return start, end


def _cut_at_other_names(sdoc, start: int, end: int, keep_first: bool) -> tuple[int, int]:
    """'Nacro and Sodexo' is two names: cut a run where a known name meets 'and'/'&'/'the'."""
    text = sdoc.text
    # "Ormiston Children and Families Trust": a person the NER saw is a piece of the name,
    # where a known name is not (but "Rob Owen and the Nelson Trust" is two)
    pieces = {e.end_char for e in sdoc.ents if e.label_ == "PERSON" and start <= e.start_char}
    places = ("GPE", "LOC", RULER_LABEL_PREFIX + "Place")
    for ent in sdoc.ents:
        if start < ent.start_char < end and ent.label_ not in places:  # ("Sodexo UK &
            gap = text[:ent.start_char].rstrip()  # Ireland" is one name)
            for joiner in (" and", " &", " the", " of", " for"):
                if joiner in (" and", " &") and len(gap) - len(joiner) in pieces and not (
                        ent.label_.startswith(RULER_LABEL_PREFIX)):
                    continue
                if gap.endswith(joiner) and gap[:-len(joiner)].rstrip() and start < len(gap) - len(joiner):
                    cut = len(gap) - len(joiner)
                    return (start, cut) if keep_first else (ent.start_char, end)
        if start <= ent.end_char < end and ent.start_char >= start and ent.label_ not in places:
            rest = text[ent.end_char:end]
            if ent.label_ == "PERSON" and not re.match(r"\s+(?:and|&)\s+the\s", rest):
                continue
            if re.match(r"\s+(?:and|&)\s+", rest):
                return (start, ent.end_char) if keep_first else (
                    ent.end_char + len(re.match(r"\s+(?:and|&)\s+", rest).group()), end)
    return start, end


# What the NER takes into a name that is not of it: a paragraph's number ("5.4 Mr Doyle"),
# where a firm is based ("the US-based Management & Training Corporation").
_NOT_OF_THE_NAME = re.compile(r"(?:\(?\d+(?:\.\d+)*[.)]?\s+|[A-Z][\w.]*-based\s+)+")


# "the Interserve-led consortium": a name does not end in such a participle; the name is
# the word before it
_LED_BY_NAME = re.compile(r"-(?:led|based|owned|run|backed|funded|founded|controlled)$", re.IGNORECASE)


def _acceptable_context_name(name: str) -> bool:
    words = name.split()
    if not words or is_title(name) or is_title(words[0]) or name.lower() in _lexicon()[0]:
        return False
    if _LED_BY_NAME.search(words[-1]):
        return False
    if any(p.match(name) for p in _lexicon()[3]):
        return False
    return bool(re.search(r"[A-Za-z]{2}", name)) and len(words) <= 8


def typed_by_context(sdoc) -> list[Typed]:
    """Names whose class the sentence states: 'the charity X', 'X, a social enterprise',
    'X Ltd', a known company's subsidiary ('Serco Geografix'), a member's constituency and
    party in a parliamentary report ('Jane Smith (Anytown North) (Lab)')."""
    (heads, before, after, suffixes, suffix_re, tags, hansard, area_heads, area_re,
     prison_re, title_re) = _context_rules()
    gaz = load_gazetteer()
    text = sdoc.text
    out: list[Typed] = []
    sents = list(sdoc.sents)
    skip = [(s.start_char, s.end_char) for s in sents if _headline(s)]

    def in_headline(a: int) -> bool:
        return any(s <= a < e for s, e in skip)

    def add(a: int, b: int, cls: str, keep_first: bool = True, cut: bool = True) -> None:
        """`cut=False` for the exact constructions (a debate's bracketed constituency)."""
        a, b = _clean_name(sdoc, a, b)
        if cut:
            a, b = _cut_at_other_names(sdoc, a, b, keep_first)
        a, b = _clean_name(sdoc, a, b)
        prefix = _NOT_OF_THE_NAME.match(text, a, b)
        a = prefix.end() if prefix else a
        name = text[a:b]
        if b <= a or not _acceptable_context_name(name) or (cut and in_headline(a)):
            return
        known = gaz.lookup(name) or (gaz.lookup_loose(name) if cls != "Place" else None)
        if known:
            out.append(Typed(a, b, name, known.cls, known.name))
        elif not (is_acronym(name) and cls != "Place" and sum(c.isupper() for c in name) > 1):
            out.append(Typed(a, b, name, cls))  # (a short word is a name: "Eve, the charity")

    for m in hansard.finditer(text):
        add(m.start("place"), m.end("place"), "Place", cut=False)
        party = gaz.by_name.get(tags[m["party"]])
        if party:
            out.append(Typed(m.start("party"), m.end("party"), m["party"], party.cls, party.name))
    for m in before.finditer(text):
        group = "name" if m["name"] else "name2"
        cls = heads.get(" ".join(m["head" if m["name"] else "head2"].lower().split()),
                        "Organisation")
        add(m.start(group), m.end(group), cls, keep_first=True)
    for m in after.finditer(text):
        cls = heads[" ".join(m["head"].lower().split())]
        add(m.start("name"), m.end("name"), cls, keep_first=False)
    for m in suffix_re.finditer(text):
        name = m["name"]
        last = name.split()[-1]
        cls = org_class(name)
        if cls == "Organisation":
            cls = suffixes.get(last, suffixes.get(" ".join(name.split()[-2:]), "Organisation"))
        add(m.start("name"), m.end("name"), cls, keep_first=False)
    # A known company's name followed by more capitalised words: a subsidiary or division.
    for ent in sdoc.ents:
        if not ent.label_.startswith(RULER_LABEL_PREFIX) or ent.label_[len(RULER_LABEL_PREFIX):] \
                not in ("Company", "Organisation"):
            continue
        m = re.match(rf"\s+({_CAP}(?:\s+(?:and|&|of)\s+{_CAP})*(?:(?<!\.)\s+{_CAP})*)",
                     text[ent.end_char:])  # (never past a full stop: "Novo Rehabilitation. X")
        if not m:
            continue
        words = m.group(1).split()
        if is_title(words[0]) or words[0].lower() in _lexicon()[0] or any(
                w.isupper() and len(w) > 2 and w != "UK" for w in words):
            continue  # a role ("Serco Chief Executive"), or shouting ("Serco NOT")
        if any(e.start_char == ent.end_char + m.start(1) and e.label_.startswith(
                RULER_LABEL_PREFIX) for e in sdoc.ents):
            continue  # another known name follows ("Serco Capita")
        add(ent.start_char, ent.end_char + m.end(1), "Company")
    # Places followed by an organisation's head: "Durham and Tees Valley CRC", "Kent Police".
    places = [e for e in sdoc.ents if e.label_ in ("GPE", "LOC", RULER_LABEL_PREFIX + "Place")]
    for i, ent in enumerate(places):
        start = ent.start_char
        j = i
        while j > 0 and re.fullmatch(r",?\s+(?:and|&)\s+|,\s+", text[places[j - 1].end_char:
                                                                     places[j].start_char]):
            j -= 1
        start = places[j].start_char
        m = area_re.match(text, ent.end_char)
        if not m:
            continue
        head = " ".join(m["head"].split())
        cls = area_heads.get(head) or area_heads.get(m["head"], "Organisation")
        name = text[start:m.end()]
        known = gaz.lookup(name) or gaz.lookup_loose(name)
        if known:
            out.append(Typed(start, m.end(), name, known.cls, known.name))
        elif _acceptable_context_name(name) and not in_headline(start):
            out.append(Typed(start, m.end(), name, cls))
    # A title in quotation marks beside a report's noun: 'the report "Probation in Crisis"',
    # '"Mending the System", a briefing by ...'; or dated, as works are cited: "'Criminal
    # justice identities' (2016)", "Burke and Collett's Delivering Rehabilitation (2015)".
    for m in title_re.finditer(text) if title_re else ():
        group = next(g for g in ("name", "after", "dated", "owned", "colon", "appos", "before",
                                 "plain") if m[g])
        name = m[group].strip().rstrip(".,;:")
        if group == "appos" and not _title_cased(name):
            continue
        if len(name.split()) >= 2 and (group in ("dated", "owned") or not in_headline(m.start())):
            # (a cited work's year says it is one, however title-cased its sentence)
            start = m.start(group)
            known = gaz.lookup(name)
            out.append(Typed(start, start + len(name), name, known.cls if known else "Document",
                             known.name if known else None))
    # What is published is a document: "HMPPS published the Female Offending Blueprint for
    # Wales" (a title-cased object of a publishing verb).
    verb_tags = {sdoc.vocab.strings.add(tag) for tag in ("VB", "VBD", "VBG", "VBN", "VBP", "VBZ")}
    for t in (sdoc[i] for i, tag in enumerate(sdoc.to_array("TAG")) if tag in verb_tags):
        if lemma(t) not in _publishing_verbs():  # (a Token for every word cost a twentieth)
            continue
        for obj in (c for c in t.children if c.dep_ == "dobj"):
            last = obj.right_edge.i
            if last + 2 < len(sdoc) and sdoc[last + 1].text == ":" and sdoc[last + 2].is_title:
                last = _subtitle_end(sdoc, last + 2)  # (the parser may end a sentence there)
            words = [w for w in sdoc[obj.left_edge.i:last + 1]]
            while words and words[0].lower_ in ("the", "a", "an", "its", "their", "our", "his",
                                                "her", "new", "latest") and not (
                    words[0].text in ("A", "An") and not words[0].is_sent_start):
                words = words[1:]  # (but "published An Inspection of ...": the title's own)
            # the title runs while its words are capitalised, numbers or link words ("... for
            # Wales", "Probation 2020: A Vision for the Future")
            end = next((k for k, w in enumerate(words)
                        if not w.text[:1].isupper() and w.lower_ not in _TITLE_LINKS
                        and not w.text[:1].isdigit()), len(words))
            words = words[:end]
            while words and words[-1].lower_ in _TITLE_LINKS:
                words = words[:-1]
            if len([w for w in words if w.text[:1].isupper()]) < 2 or not (
                    words[0].text[:1].isupper()):
                continue
            a, b = words[0].idx, words[-1].idx + len(words[-1])
            name = text[a:b]
            known = gaz.lookup(name)
            if not in_headline(a) and (known is None or known.cls in ("Document", "Report")):
                out.append(Typed(a, b, name, known.cls if known else "Document",
                                 known.name if known else None))
    for m in _tool_regex().finditer(text):  # "log on to Compass Extra": a system
        add(m.start("name"), m.end("name"), "Tool")
    # A prison is named with its town: "HMP Leeds" is the prison, not the town. It is a place
    # (a schema:Place, like a building), where organisations work, not an organisation.
    for m in prison_re.finditer(text) if prison_re else ():
        name = m.group().rstrip(".,;:")
        known = gaz.lookup(name)
        out.append(Typed(m.start(), m.start() + len(name), name,
                         known.cls if known else "Place", known.name if known else None))
    # Longest first; overlapping finds keep the longer one; a part of a gazetteer name is no
    # name ("Trades Union" of "Trades Union Congress").
    known_spans = [(e.start_char, e.end_char) for e in sdoc.ents
                   if e.label_.startswith(RULER_LABEL_PREFIX)]
    out.sort(key=lambda t: (-(t.end - t.start), t.start))
    chosen: list[Typed] = []
    for t in out:
        if any(s <= t.start and t.end <= e and e - s > t.end - t.start for s, e in known_spans):
            continue
        if all(t.end <= c.start or c.end <= t.start for c in chosen):
            chosen.append(t)
    return sorted(chosen)


_PLACE_PREPOSITIONS = {"in", "near", "across", "around", "throughout", "outside"}


def _subtitle_end(sdoc, i: int) -> int:
    """The last word of a title-cased subtitle that starts at `i` ("A Vision for the
    Future")."""
    end = i
    while i < len(sdoc) and (sdoc[i].text[:1].isupper() or sdoc[i].lower_ in _TITLE_LINKS):
        if sdoc[i].text[:1].isupper():
            end = i
        i += 1
    return end


def _class_from_list_head(ent) -> str | None:
    """The class that a plural noun gives the names it is spelt out as: "the merger of two
    charities: Rainer, ... and Crime Concern" (the parser hangs the names from the noun as
    appositions and conjuncts)."""
    t = ent.root
    while t.dep_ in ("conj", "appos") and t.head.i != t.i:
        t = t.head
        if t.i < ent.start or t.i >= ent.end:
            if t.tag_ == "NNS":
                return _context_rules()[0].get(t.lower_)
            if t.ent_type_ == "" and t.tag_.startswith("NN"):
                return None
    return None


@lru_cache(maxsize=1)
def _tool_regex() -> re.Pattern:
    """A name after lexicon.yaml's `tool_openers` ("log on to X")."""
    openers = load_yaml("lexicon.yaml").get("tool_openers") or []
    words = "|".join(re.escape(w).replace(r"\ ", r"\s+")
                     for w in sorted(openers, key=len, reverse=True))
    return re.compile(rf"\b(?i:{words})\s+(?:the\s+)?(?P<name>{_NAME})")


@lru_cache(maxsize=1)
def _labelled_role() -> re.Pattern:
    """A dash and a role after a name, as a list of attendees writes them ("Dawn Hargreaves -
    Head of Partnerships"), from relations.yaml's role words."""
    roles = load_yaml("relations.yaml")["roles"]
    return re.compile(rf"\s+[-–—]\s+(?=(?:[a-z-]+\s+){{0,2}}(?:{roles['leading']}|"
                      rf"{roles['member']})\b)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _role_after_name() -> re.Pattern:
    """", Chief Executive of ..." or " was chief executive" after a name, or a role opening
    the next line (a signature): the name is a person's (relations.yaml's role words that
    head an organisation)."""
    leading = load_yaml("relations.yaml")["roles"]["leading"]
    return re.compile(rf"(?:\s*,\s*|\s+(?:was|is|became|has\s+been)\s+|[^\S\n]*\n[^\S\n]*)"
                      rf"(?:the\s+|its\s+|then\s+)?{leading}\b", re.IGNORECASE)


def _shouted(sdoc, ent) -> bool:
    """Capitals beside capitals ("this is IN ADDITION TO the ...") are emphasis, not a name."""
    if not ent.text.isupper() or len(ent.text) < 4:
        return False
    around = [sdoc[i] for i in (ent.start - 1, ent.end) if 0 <= i < len(sdoc)]
    return any(t.is_alpha and t.is_upper and len(t) > 1 for t in around)


# a short line with "by" and a name: "Report by X, ...", "Posted 2 May 2021 by X", "By X | date"
_BYLINE_NAME = re.compile(r"(?m)^(?=[^\n]{0,90}$)[^\S\n]*(?:(?:[A-Z][\w ]{0,30}[—–-]\s*)?(?:(?:A|An|"
                          r"The|a|an|the)\s+)?(?:[Jj]oint\s+)?(?:[Rr]eport|[Rr]eview|[Ss]tudy|[Pp]aper|"
                          r"[Aa]rticle|[Bb]log|[Pp]ost|[Pp]osted[^\n]{0,30}?|[Ww]ritten)\s+)?[Bb]y\s+"
                          r"(?P<name>[A-Z][a-z'’-]+(?:[^\S\n]+[A-Z][a-z'’-]+){1,2})\b(?![\w'’-])")
BYLINE_LINES_CHARS = 600  # the top of a text, where a byline names its writer


def byline_names(text: str) -> frozenset[str]:
    """The people a text's byline names ("Report by Gareth Davies, Comptroller ...",
    "Posted 14 January 2020 by Sarah Whitlock"): persons, whatever the NER thought."""
    return frozenset(m["name"] for m in _BYLINE_NAME.finditer(text[:BYLINE_LINES_CHARS]))


def mentions_from_doc(sdoc, offset: int, doc_id: str, sentence_base: int,
                      sentences: ChunkSentences | None = None,
                      people: frozenset[str] = frozenset()) -> list[Mention]:
    """Mentions of one spaCy Doc (a chunk starting at `offset` of the document text);
    `people`: names the text's byline shows to be persons."""
    sentences = sentences or ChunkSentences(sdoc)
    typed = typed_by_context(sdoc)
    text = sdoc.text  # rebuilt from the tokens on every access: once, not once per name
    out = []
    for t in typed:
        sent = sentence_base + sentences.index_at(t.start)
        source = "gazetteer" if t.gazetteer_key else "ner"
        out.append(Mention(doc_id, offset + t.start, offset + t.end, t.text, t.cls, source,
                           t.gazetteer_key, sent))
    for ent in sdoc.ents:
        while len(ent) > 1 and not ent.label_.startswith(RULER_LABEL_PREFIX) \
                and ent[-1].tag_.startswith("VB"):
            ent = ent[:-1]  # "The Ministry awarded": a name does not end in a verb
        if any(t.start < ent.end_char and ent.start_char < t.end for t in typed):
            continue  # the context said more about this name
        sent = sentence_base + sentences.index_at(ent.start_char)
        start, end = offset + ent.start_char, offset + ent.end_char
        if ent.label_.startswith(RULER_LABEL_PREFIX):
            out.append(Mention(doc_id, start, end, ent.text, ent.label_[len(RULER_LABEL_PREFIX):],
                               "gazetteer", ent.ent_id_, sent))
            continue
        cls = NER_CLASSES.get(ent.label_)
        if cls is None or _shouted(sdoc, ent):
            continue
        raw = ent.text
        lead = len(raw) - len(raw.lstrip())
        if "\n" in raw[lead:]:  # a name ends with its line ("Gareth Davies\nComptroller ...")
            raw = raw[:raw.index("\n", lead)]
            end = start + len(raw)
        name = tidy(re.sub(r"^(?:the|The)\s+", "", raw.split("(")[0] if ")" not in raw else raw))
        label = _labelled_role().search(name) if cls == "Person" else None
        if label:  # "Dawn Hargreaves - Head of Partnerships, ...": a name and its role
            name = name[:label.start()]
        prefix = _NOT_OF_THE_NAME.match(name)
        name = name[prefix.end():] if prefix else name
        if cls == "Organisation" and _lexicon()[1].match(name + " "):
            cls = "Person"  # "Mr Doyle", "Councillor Bird": the NER took a person for a body
        if cls == "Person":
            name = strip_titles(name)
        if not name:
            continue
        known = load_gazetteer().lookup(name)
        if known:
            out.append(Mention(doc_id, start + lead, end, raw.strip(), known.cls, "gazetteer",
                               known.name, sent))
            continue
        if cls in ("Organisation", "Person") or ent.label_ == "WORK_OF_ART":
            finer = org_class(name)
            if cls == "Organisation" or finer in ("Document", "Intervention", "Tool"):
                cls = finer
        listed_as = _class_from_list_head(ent) if cls in ("Person", "Organisation") else None
        if cls == "Organisation" and name in people:
            cls = "Person"  # "Report by Gareth Davies": the NER took him for an organisation
        elif listed_as is not None:
            cls = listed_as  # "two charities: Rainer, ..., and Crime Concern"
        elif cls in ("Person", "Organisation") and ent.start > 0 and (
                sdoc[ent.start - 1].lower_ in _PLACE_PREPOSITIONS) and org_class(name) in (
                "Person", "Organisation") and (cls == "Person" or len(name.split()) == 1):
            cls = "Place"  # "offices in High Wycombe", "based in Hockley": not a person or firm
        elif cls in ("Person", "Organisation") and len(name.split()) == 1 and _listed_with_place(
                sdoc, ent.start):
            cls = "Place"  # "in Plymouth and Torbay"
        elif cls in ("Organisation", "Place") and 2 <= len(name.split()) <= 3 and org_class(
                name) in ("Organisation", "Place") and _role_after_name().match(
                text, ent.start_char + max(raw.find(name), 0) + len(name)):
            cls = "Person"  # "Adrian Ringrose, Chief Executive of Interserve"
        if cls == "WorkOfArt":
            continue  # titles count only when their words say they are reports or programmes
        if not acceptable_name(name, cls):
            continue
        s = raw.find(name)
        s = start + (max(s, 0))
        # One capitalised word is kept only as a possible surname or a known name's short form.
        source = "weak" if len(name.split()) == 1 and cls not in ("Place",) \
            and listed_as is None else "ner"
        out.append(Mention(doc_id, s, s + len(name), name, cls, source, None, sent))
    # "Mr Campion", "Professor Paul Senior": the NER misses many, or keeps one word; and the
    # writers a "written by" names
    found = [(m.start("name"), m["name"]) for m in _titled_person_regex().finditer(text)]
    for at, name in found + _written_by_names(text):
        a, b = offset + at, offset + at + len(name)
        inside = [x for x in out if x.start < b and a < x.end]
        if any(x.source != "weak" or x.start < a or x.end > b for x in inside) \
                or not acceptable_name(name, "Person") or load_gazetteer().lookup(name):
            continue
        for x in inside:  # "Paul" of "Professor Paul Senior"
            out.remove(x)
        one_word = " " not in name
        out.append(Mention(doc_id, a, b, name, "Person", "weak" if one_word else "ner",
                           None, sentence_base + sentences.index_at(a - offset)))
    out.sort(key=lambda m: m.start)
    return out


def _listed_with_place(sdoc, i: int) -> bool:
    """Whether the word at `i` closes a list of places after "in": "in Plymouth and [Torbay]",
    "across Exeter, Plymouth and [Torbay]"."""
    if i < 3 or sdoc[i - 1].lower_ not in ("and", ",", "or") or (
            i + 1 < len(sdoc) and sdoc[i + 1].tag_.startswith("VB")):  # ("and Smith said")
        return False
    place_labels = ("GPE", "LOC", RULER_LABEL_PREFIX + "Place")
    j, places = i - 1, 0
    while j > 0 and (sdoc[j].lower_ in ("and", ",", "or") or sdoc[j].ent_type_ in place_labels):
        places += sdoc[j].ent_iob_ == "B" and sdoc[j].ent_type_ in place_labels
        j -= 1
    return places > 0 and sdoc[j].lower_ in _PLACE_PREPOSITIONS


_PERSON_NAME = r"[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,2}"


@lru_cache(maxsize=1)
def _writers_regexes() -> tuple[re.Pattern, re.Pattern]:
    """"written by" and the next name of its list (after "and" or a comma)."""
    titles = "|".join(re.escape(h) for h in load_yaml("lexicon.yaml")["honorifics"])
    name = rf"(?:(?:{titles})\.?\s+)?(?P<name>{_PERSON_NAME})\b"
    return (re.compile(rf"\b(?:written|authored|co-authored|edited|compiled)\s+by\s+{name}"),
            re.compile(rf"(?:,\s+(?:and\s+)?|\s+and\s+){name}"))


def _written_by_names(text: str) -> list[tuple[int, str]]:
    """The people a "written by" names, with where each name starts: "written by Helen
    Schofield and Professor Paul Senior"."""
    first, then = _writers_regexes()
    out = []
    for m in first.finditer(text):
        while m:
            out.append((m.start("name"), m["name"]))
            m = then.match(text, m.end())
    return out


@lru_cache(maxsize=1)
def _titled_person_regex() -> re.Pattern:
    """An honorific and the capitalised name after it: "Mr Campion", "Councillor Linda Bird"."""
    titles = "|".join(re.escape(h) for h in sorted(load_yaml("lexicon.yaml")["honorifics"],
                                                   key=len, reverse=True)
                      if h != "Justice")  # ("the Justice Committee")
    return re.compile(rf"\b(?:{titles})\.?\s+(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?)"
                      rf"(?![\w-])")
