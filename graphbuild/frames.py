"""Stage 6: relation frames matched over the dependency parse (ontology/frames.yaml).

A frame names a property, the words that trigger it (verb lemmas, nouns) and the grammatical
roles that fill the fact's subject and object: `agent` (who does it, active or passive),
`patient` (what it is done to), `self` (the thing a noun such as "owner" refers to), `poss`,
`prep:of`, `holder` (who holds a "contract"), `clause` (the subject of a reported clause),
chained with `>` ("agent>poss": the publisher of the report that did it). Coordination gives
the fact to every member of a list, relative clauses and reduced relatives point at their
antecedent, and the contract's domain and range (ontology/pko.ttl) decide which mention may
fill which role. The rules are data; this module only reads the parse.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from spacy.tokens import Span, Token

from .nlp import lemma
from .ontology import class_ancestors, property_domain_range
from .resources import ResourceError, load_yaml, ontology_dir, word_set

RELATIVE_PRONOUNS = {"which", "who", "that", "whom", "whose"}
QUANTIFIERS = {"both", "all", "each", "some", "many", "most", "one", "two", "three", "none"}
SUBJECT_DEPS = {"nsubj", "csubj"}
PASSIVE_SUBJECT_DEPS = {"nsubjpass", "csubjpass"}
# Links inside one noun phrase that still name the same thing: "the Purple Futures
# consortium", "Interserve, the support-services group", "A, B and C".
SAME_THING_DEPS = {"compound", "appos", "conj", "nmod"}
ROLES = {"agent", "patient", "self", "poss", "holder", "clause", "compound", "head", "attr",
         "modifier", "where", "subject", "complement", "according", "within", "report",
         "described", "container", "phrase", "question", "inside", "name"}
# Prepositions that open the members of a list: "programmes such as A and B", "CRCs including X".
LIST_PREPOSITIONS = {"including", "as", "like", "namely"}
QUESTION_WORDS = {"how", "whether", "if", "what", "why"}
OPINION_NOUNS = {"view", "opinion", "judgement", "judgment", "assessment", "words"}
NAMING_VERBS = frozenset({"known", "called", "named", "branded", "titled", "entitled", "dubbed"})
# "formerly known as X": X is the entity before a renaming, not the same thing
FORMER_WORDS = {"formerly", "previously", "once", "originally"}
# Words that pick some of a group: "one of the partners" is what "one" is.
PARTITIVES = {"one", "some", "several", "many", "most", "each", "all", "both", "two", "three",
              "four", "five", "six", "seven", "eight"}
# Punctuation that opens a list spelt out after a plural noun: "three CRCs: A, B and C".
LIST_OPENERS = {":", "—", "–", "-"}
LIST_CLOSERS = {".", ";", ")", "!", "?", "—", "–", ":"}
LIST_WORDS = {"including", "includes", "include", "namely", "notably"}
MAX_DESCRIPTION = 5  # lower-case words of a description inside a list of names
DESCRIPTION_TAGS = {"DT", "JJ", "NN", "NNS", "VBN", "HYPH"}  # "the employment services firm"
VERB_PHRASE_WINDOW = 8  # tokens after a verb in which the rest of a phrasal trigger may lie


@dataclass(frozen=True)
class Frame:
    id: str
    predicate: str
    verbs: tuple[tuple[str, ...], ...]  # each trigger as its words: ("take", "over")
    nouns: tuple[tuple[str, ...], ...]
    subject: tuple[tuple[str, ...], ...]  # role paths: ("agent", "poss")
    object: tuple[tuple[str, ...], ...]
    subject_classes: frozenset[str]
    object_classes: frozenset[str]
    requires: frozenset[str]  # words one of which the trigger's clause must hold
    excludes: frozenset[str]  # words none of which the trigger's clause may hold
    pairwise: bool  # subject and object are members of one list: each pair is a fact
    confidence: float
    inspects: bool  # a reportAbout whose publisher also inspects the object
    unless_modified_by: frozenset[str]  # "branch chair" is no head of the union
    subject_alone: bool  # the subject's own mention, not its list ("A in X, B in Y")


def _words(triggers, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(triggers, list):
        raise ResourceError(f"{where}: triggers must be a list")
    return tuple(tuple(str(t).lower().split()) for t in triggers)


def _roles(spec, where: str) -> tuple[tuple[str, ...], ...]:
    """Role paths as tuples of steps; a path written '?a>b' is a fallback, kept as its
    first step '?' (tried only when the paths before it found no one)."""
    paths = []
    for path in (spec if isinstance(spec, list) else [spec]):
        path = str(path)
        fallback = path.startswith("?")
        steps = tuple(path.lstrip("?").split(">"))
        for step in steps:
            if step not in ROLES and not step.startswith("prep:"):
                raise ResourceError(f"{where}: unknown role {step!r} (roles: {sorted(ROLES)}, "
                                    "prep:WORD)")
        paths.append(("?",) + steps if fallback else steps)
    return tuple(paths)


def _classes(names, default: frozenset[str], where: str) -> frozenset[str]:
    if names is None:
        return default
    known = class_ancestors()
    for n in names:  # "!Inspectorate": any class but this one
        if n.lstrip("!") not in known:
            raise ResourceError(f"{where}: unknown class {n!r}")
    return frozenset(names)


@lru_cache(maxsize=1)
def load_frames() -> tuple[Frame, ...]:
    path = ontology_dir() / "frames.yaml"
    data = load_yaml("frames.yaml")
    verdicts = {w.lower() for w in data.get("verdicts", [])}
    frames = []
    for n, raw in enumerate(data.get("frames") or []):
        where = f"{path}: frame {raw.get('id', n)!r}"
        predicate = raw.get("predicate")
        try:
            domain, range_ = property_domain_range(predicate)
        except KeyError:
            raise ResourceError(f"{where}: unknown predicate {predicate!r}") from None
        if not (raw.get("verbs") or raw.get("nouns")):
            raise ResourceError(f"{where}: needs verbs or nouns")
        requires = raw.get("requires")
        if any(f.id == raw.get("id") for f in frames):
            raise ResourceError(f"{where}: a second frame with this id")
        frames.append(Frame(
            id=raw.get("id", f"{predicate}-{n}"), predicate=predicate,
            verbs=_words(raw.get("verbs", []), where), nouns=_words(raw.get("nouns", []), where),
            subject=_roles(raw.get("subject", "agent"), where),
            object=_roles(raw.get("object", "patient"), where),
            subject_classes=_classes(raw.get("subject_classes"), domain, where),
            object_classes=_classes(raw.get("object_classes"), range_, where),
            requires=frozenset(verdicts if requires == "verdict" else requires or ()),
            excludes=frozenset(w.lower() for w in raw.get("excludes", ())),
            pairwise=bool(raw.get("pairwise")), confidence=float(raw.get("confidence", 0.7)),
            inspects=bool(raw.get("inspects")),
            unless_modified_by=frozenset(w.lower() for w in raw.get("unless_modified_by", ())),
            subject_alone=bool(raw.get("subject_alone"))))
    return tuple(frames)


@lru_cache(maxsize=1)
def _trigger_index() -> dict[tuple[str, str], list[tuple[Frame, tuple[str, ...]]]]:
    """(part of speech, head word) → the frames it may trigger, with the whole trigger."""
    index: dict[tuple[str, str], list] = {}
    for f in load_frames():
        for words in f.verbs:
            index.setdefault(("v", words[0]), []).append((f, words))
        for words in f.nouns:
            index.setdefault(("n", words[-1]), []).append((f, words))
    return index


# --- reading the parse ----------------------------------------------------------------------

def _is_verb(t: Token) -> bool:
    return t.tag_.startswith("VB") or t.tag_ == "MD"


def _passive(t: Token) -> bool:
    if any(c.dep_ in PASSIVE_SUBJECT_DEPS or c.dep_ == "auxpass" for c in t.children):
        return True
    if t.dep_ == "conj" and t.tag_ == "VBN" and t.head.i != t.i and _passive(t.head) and not any(
            c.dep_ == "aux" for c in t.children):  # (but "was appointed and has led Y")
        return True  # "It was created in 2004 and replaced by HMPPS"
    if t.dep_ in ("acomp", "xcomp", "advcl") and t.tag_ == "VBN" and any(
            c.dep_ == "agent" for c in t.children):
        return True  # "The company was majority-owned by X" (read as an adjective), "X,
        # then led by Y, published"
    return t.dep_ == "acl" and t.tag_ == "VBN"  # "the CRC, owned by Seetec,"


def _antecedent(t: Token) -> Token:
    """A relative pronoun stands for the noun its clause modifies (so does "both of which")."""
    of_which = next((p for c in t.children if c.dep_ == "prep" and c.lower_ == "of"
                     for p in c.children if p.lower_ in RELATIVE_PRONOUNS),
                    None) if t.lower_ in QUANTIFIERS else None
    t = of_which if of_which is not None else t
    if t.lower_ in RELATIVE_PRONOUNS:
        clause = next((a for a in t.ancestors if a.dep_ == "relcl"), None)
        if clause is not None:
            head = clause.head  # ("the view of A and B, whose reports found": A and B's)
            named = [p for c in head.children if c.dep_ == "prep" and c.lower_ == "of"
                     for p in c.children if p.dep_ == "pobj" and p.tag_.startswith("NNP")
                     and p.i < clause.i]
            return named[0] if named and not head.tag_.startswith("NNP") and (
                t.lower_ == "whose") else head
    return t


def _children(t: Token, deps: set[str]) -> list[Token]:
    return [c for c in t.children if c.dep_ in deps]


def _relative_doer(v: Token) -> Token | None:
    """'X, which HMPPS is rolling out': the small parser at times reads the relative pronoun
    as the subject and the name after it as an adverb; the name is the doer."""
    if v.dep_ != "relcl":
        return None
    pronouns = [s for s in _children(v, SUBJECT_DEPS) if s.lower_ in ("which", "that")]
    if not pronouns:
        return None
    return next((c for c in v.children if c.dep_ in ("advmod", "npadvmod", "dep")
                 and c.tag_.startswith("NN") and pronouns[0].i < c.i < v.i), None)


def _inverted_speakers(v: Token) -> list[Token]:
    """'"...," write Jane Smith and Ann Lee': a reporting verb after its quotation, with no
    subject, whose speakers the parser read as its objects."""
    if _children(v, SUBJECT_DEPS) or not any(c.dep_ == "ccomp" and c.i < v.i
                                             for c in v.children):
        return []
    return [o for o in _children(v, {"dobj"}) if o.i > v.i]


def _hyphened_doer(v: Token) -> Token | None:
    """The name before the hyphen of "the Seetec-owned CRC", "the Home Office-funded charity"
    (the parser hangs it on the participle, which modifies the noun)."""
    if v.dep_ != "amod" or v.tag_ != "VBN" or v.i < 2 or v.doc[v.i - 1].text != "-":
        return None
    return next((c for c in v.children if c.i == v.i - 2 and c.tag_.startswith("NN")), None)


def _verb_agent(v: Token) -> list[Token]:
    doer = _relative_doer(v) or _hyphened_doer(v)
    if doer is not None:
        return [doer]
    if _passive(v):  # the parser marks "by" as an agent, or at times as a plain preposition
        return [p for a in v.children if a.dep_ == "agent" or a.dep_ == "prep"
                and a.lower_ == "by" for p in _children(a, {"pobj", "pcomp"})] or [
            p for a in _late_by(v) for p in _children(a, {"pobj"})]
    subj = _children(v, SUBJECT_DEPS)
    if subj:
        return [_antecedent(s) for s in subj]
    speakers = _inverted_speakers(v)
    if speakers:
        return speakers
    if v.dep_ == "relcl":
        purpose = _purpose_of(v)
        return _purpose_doer(purpose) if purpose is not None else [v.head]
    if v.dep_ == "conj" and _is_verb(v.head):
        if _passive(v.head):  # "X is owned by Y and works with Z": X works
            return [_antecedent(x) for x in _children(v.head, PASSIVE_SUBJECT_DEPS)] \
                or _verb_patient(v.head)
        return _verb_agent(v.head)  # "X bought A and sold B"
    if v.dep_ == "xcomp" and v.head.dep_ in ("acomp", "amod") and _is_verb(v.head.head):
        return _verb_agent(v.head.head)  # "we are proud to work with X"
    if v.dep_ in ("xcomp", "advcl") and _is_verb(v.head):
        return _purpose_doer(v.head)
    if v.dep_ == "pcomp" and v.head.dep_ == "prep" and _is_verb(v.head.head):
        return _verb_agent(v.head.head)  # "X spent years at Y before joining Z": X joins
    if v.dep_ == "acl" and not _passive(v):
        if is_infinitive(v):
            return _holder(v.head)  # "X won the contract to run Y": X runs Y
        return [v.head]  # "a consortium owning three CRCs"
    return []


def _purpose_doer(verb: Token) -> list[Token]:
    """Who does what an infinitive or participle after `verb` says."""
    if _passive(verb):  # "X was awarded contracts to run Y": X runs Y
        return _verb_patient(verb)
    if lemma(verb) in word_set("frames.yaml", "object_control_verbs") and _children(
            verb, {"dobj"}):
        return _verb_patient(verb)  # "X funded Y to provide Z": Y provides Z
    return _verb_agent(verb)  # "X decided to buy Y", "X said, describing Y ..."


def _purpose_of(v: Token) -> Token | None:
    """The verb an infinitive after an apposition belongs to: in "X was paid by Y, an agency
    of Z, to provide W" the parser hangs "to provide" on "agency"; it says why X was paid."""
    if not is_infinitive(v) or v.head.dep_ != "appos" or v.left_edge.i < 1 or (
            v.doc[v.left_edge.i - 1].text != ","):
        return None
    return next((a for a in v.head.ancestors if _is_verb(a)), None)


def _late_by(v: Token) -> list[Token]:
    """A passive's "by" that the parser hung on the last noun of a prepositional phrase
    before it: "delivered under a subcontract from ARCC by the charity Nacro"."""
    out, todo = [], [c for c in v.children if c.dep_ == "prep"]
    while todo:
        prep = todo.pop()
        for pobj in _children(prep, {"pobj"}):
            for c in _children(pobj, {"prep"}):
                (out if c.lower_ == "by" else todo).append(c)
    return out


def _verb_patient(v: Token) -> list[Token]:
    if _relative_doer(v) is not None or _hyphened_doer(v) is not None:
        return [v.head]
    if _passive(v):
        subj = _children(v, PASSIVE_SUBJECT_DEPS)
        if subj:
            return [_antecedent(s) for s in subj]
        if v.dep_ in ("acl", "relcl"):
            return [v.head]
        if (v.dep_ in ("acomp", "xcomp") or v.dep_ == "advcl" and not _children(
                v, {"aux", "auxpass"})) and _is_verb(v.head):
            # (a bare adverbial participle: "X, then led by Y, published ...": X)
            return [_antecedent(x) for x in _children(v.head, SUBJECT_DEPS)]
        if v.dep_ == "conj" and _is_verb(v.head):
            # "X bought A and was fined by B": the first verb's subject, whatever its voice
            subj = _children(v.head, SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS)
            return [_antecedent(x) for x in subj] if subj else _verb_patient(v.head)
        return []
    if _inverted_speakers(v):
        return []
    objs = _children(v, {"dobj", "dative", "oprd"})
    if not objs and v.dep_ == "relcl" and lemma(v) != "be" and any(
            s.lower_ not in RELATIVE_PRONOUNS for s in _children(v, SUBJECT_DEPS)):
        return [v.head]  # "the CRC, which Seetec bought" (not "X, which said ...", nor "X,
        # whose members are A and B")
    if not objs and v.dep_ == "conj" and _is_verb(v.head):
        return _verb_patient(v.head)  # "which X owned and Y now runs"
    if not objs:  # "we owned and managed X": the object the two verbs share
        objs = [o for c in v.children if c.dep_ == "conj" and _is_verb(c) and c.i > v.i
                and not _children(c, SUBJECT_DEPS) for o in _children(c, {"dobj"})]
    return [_antecedent(o) for o in objs]


def _noun_self(n: Token) -> list[Token]:
    """What a noun such as "owner" or "consortium" refers to in its sentence (itself, when
    it ends a name: "the NPS's London Division")."""
    out = [n] + [c for c in n.children if c.dep_ == "appos"]
    if n.dep_ in ("appos", "compound"):  # "X, the owner", "Labour MP X"
        out.append(n.head)
    described = _misattached_apposition(n)
    if described is not None:
        return out + [described]
    if n.dep_ in ("attr", "acomp", "oprd"):  # "X is the owner of Y", "X became a member"
        verb = n.head  # "X is proud to be a member": up to the clause with a subject
        while not _children(verb, SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS) and verb.dep_ in (
                "xcomp", "acomp") and verb.head.i != verb.i:
            verb = verb.head
        out += [_antecedent(s) for s in _children(verb, SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS)]
    if n.dep_ == "nsubj" and lemma(n.head) == "be":  # "whose owner was X", "its owner is X"
        out += _children(n.head, {"attr"})
    if n.dep_ == "conj" and n.head.i != n.i and not _is_verb(n.head):
        first = n.head  # "X is a partner of Y and a member of Z"
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head
        if first.dep_ in ("attr", "acomp", "oprd"):
            out += [x for x in _noun_self(first) if x.i != first.i]
    whole = _partitive_whole(n)
    if whole is not None:  # "X is one of the partners in Y"
        out += [x for x in _noun_self(whole) if x.i != whole.i]
    if n.dep_ == "pobj" and n.head.lower_ == "as" and _is_verb(n.head.head):
        v = n.head.head  # "X, as the owner of Y" / "X was named as owner of Y"
        # "won contracts with Nacro as its partner": what "with" names is the partner
        named_with = [p for x in [v, *_children(v, {"dobj"})] for c in x.children
                      if c.dep_ == "prep" and c.lower_ == "with" and c.i < n.head.i
                      for p in c.children if p.dep_ == "pobj"]
        # "brought in Nacro as its partner": of a verb with an object that the "as" phrase
        # describes, the object (but "X succeeded Y as head": X)
        objects = [o for o in _children(v, {"dobj"}) if o.i < n.head.i
                   and lemma(v) in word_set("frames.yaml", "object_as_verbs")]
        out += named_with or (_verb_patient(v) if _passive(v) or objects else _verb_agent(v))
    elif n.dep_ == "pobj" and n.head.lower_ == "as" and n.head.head.tag_.startswith("NN"):
        out.append(n.head.head)  # "Nacro as its partner", "X as owner"
    return out


def _misattached_apposition(n: Token) -> Token | None:
    """A second complement after a comma describes the name before the comma: in "X was part
    of Y, an agency of Z" the parser makes "agency" a complement of "was" (X is the agency)."""
    if n.dep_ != "attr" or n.left_edge.i < 2 or n.doc[n.left_edge.i - 1].text != ",":
        return None
    if not any(c.dep_ == "attr" and c.i < n.i for c in n.head.children):
        return None
    before = n.doc[n.left_edge.i - 2]
    return before.head if before.is_punct else before


def _partitive_whole(n: Token) -> Token | None:
    """The "one" of "one of the partners", which names what the noun refers to."""
    if n.dep_ == "pobj" and n.head.lower_ == "of" and n.head.head.lower_ in PARTITIVES:
        return n.head.head
    return None


# "in X", "across X", "on the Isle of Wight", and "across X, including Y" as the parser
# hangs the list from the verb
PLACE_PREPOSITIONS = frozenset({"in", "across", "throughout", "on", "including"})


def _places_within(v: Token, own_only: bool = False) -> list[Token]:
    """The objects of PLACE_PREPOSITIONS ("in", "across", ...) anywhere in a verb's own
    clause, through its objects and non-finite clauses ("awarded money to support women
    leaving prison in Swansea"), but not through a clause with a subject of its own;
    `own_only`: nor through the other members of a list ("A in X and B in Y"), nor a purpose
    the parser hung on it. "In the county of X" is in X."""
    out, todo = [], [v]
    while todo:
        x = todo.pop()
        for c in x.children:
            if _is_verb(c) and any(s.lower_ not in RELATIVE_PRONOUNS for s in _children(
                    c, SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS)):
                continue  # another clause, another doer ("an area that stretches to X" is
                # still the area)
            if own_only and (c.dep_ == "conj" and not _is_verb(c) or c.dep_ == "relcl"
                             and _purpose_of(c) is not None):
                continue  # nor through a purpose the parser hung on it (`_purpose_of`)
            if c.dep_ == "relcl" and x.dep_ in ("dobj", "attr", "appos") and x.i != v.i and (
                    x.lower_ not in word_set("frames.yaml", "caseload_nouns")):
                continue  # "owned X, which supervises people in Y": X's place, not the owner's
                # (but "supervises people who live across Y" is the supervisor's)
            if c.dep_ == "pobj" and x.lower_ in PLACE_PREPOSITIONS and not (
                    x.i and x.doc[x.i - 1].text == "-"):  # not "Stockton-on-Tees"
                out.append(c)
                # "in the county of Cumbria"
                if c.lower_ in word_set("frames.yaml", "area_nouns"):
                    out += _step(c, "prep:of", False)
            todo.append(c)
    return out


def is_infinitive(v: Token) -> bool:
    """"to run", "to be failing"."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children)


def _according_to(v: Token) -> list[Token]:
    """The source a clause is attributed to: "According to X, the reforms failed", "in our
    view it has failed", "in the view of X"."""
    return [p for c in v.children if c.dep_ == "prep" and c.lower_ == "according"
            for to in c.children if to.lower_ == "to" for p in _children(to, {"pobj"})] + [
        p for c in v.children if c.dep_ == "prep" and c.lower_ == "in"
        for view in _children(c, {"pobj"}) if view.lower_ in OPINION_NOUNS
        for p in _children(view, {"poss"}) + _step(view, "prep:of", False)]


def _opens_list(x: Token) -> bool:
    return x.text in LIST_OPENERS or x.lower_ in LIST_WORDS or (
        x.lower_ == "among" and x.i + 1 < len(x.doc) and x.doc[x.i + 1].lower_ == "them")


def _listed_after(t: Token, inside) -> list[Token]:
    """The names a plural noun is spelt out as after a colon, a dash, "including" or "among
    them": "the three CRCs it owned: A, B and C", "ran six CRCs, including A and B" (the
    parser rarely attaches such a list to its noun)."""
    whole_of = next((p for c in t.children if c.dep_ == "prep" and c.lower_ == "of"
                     for p in c.children if p.dep_ == "pobj"), None)
    if t.lower_ in PARTITIVES and whole_of is not None:
        t = whole_of  # "won three of the contracts - A, B and C"
    if not (t.tag_.startswith("NNS") or t.tag_ == "CD" and t.dep_ in ("dobj", "nsubj", "attr")) \
            or t.i in inside:  # ("wins three, including the Wales CRC")
        return []
    sent = t.sent
    opener = next((x for x in sent if x.i > t.i and _opens_list(x)), None)
    if opener is None or any(x.tag_ == "NNS" and x.i not in inside
                             for x in sent[t.i - sent.start + 1:opener.i - sent.start]):
        return []
    first = opener.i + (2 if opener.lower_ == "among" else 1)
    while first < sent.end - 1 and t.doc[first].lower_ in ("the", "a", "an"):
        first += 1  # "— the Dorset, Devon and Cornwall CRC, ..."
    if first >= sent.end or first not in inside:
        return []
    return [t.doc[first]] + _list_run(t.doc[first], inside, need_join=False)


def _holder(n: Token) -> list[Token]:
    """Who holds a contract, a grant, an office: the doer of the verb it hangs from."""
    head = n.head
    if n.dep_ == "pobj":
        if head.dep_ == "agent" or head.lower_ == "by" and _is_verb(head.head) and _passive(
                head.head):  # "awarded by the ministry to deliver X": the one awarded
            return _verb_patient(head.head)
        head = head.head
    if head.i == n.i:
        return []
    if head.dep_ == "acomp" and _is_verb(head.head):  # "we are grateful for grants from X"
        head = head.head
    if _is_verb(head):
        if n.dep_ == "dobj" and _passive(head):
            return _verb_patient(head)  # "X was awarded the contract"
        if n.dep_ in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS:
            return []  # "our teams are commissioned by X": X does not hold the teams
        return _verb_agent(head)
    if n.dep_ == "pobj" and head.dep_ == "dobj" and _is_verb(head.head) and not _passive(
            head.head):  # "X supervises cases from offices in Y": X holds the offices
        return [head] + _verb_agent(head.head)
    return [head]


def _clause_subjects(v: Token) -> list[Token]:
    """The subjects of what a verb reports: "she said [the reforms had failed]"."""
    return [_antecedent(s) for c in _children(v, {"ccomp", "xcomp", "advcl"})
            for s in _children(c, SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS)]


def _step(t: Token, step: str, verb: bool) -> list[Token]:
    if step == "agent":
        return _verb_agent(t) if verb else _children(t, {"poss"}) + [
            p for a in _children(t, {"prep", "agent"}) if a.lower_ == "by"
            for p in _children(a, {"pobj"})]
    if step == "patient":
        return _verb_patient(t) if verb else []
    if step == "self":  # (of a relative pronoun: of the noun it stands for)
        return _noun_self(_antecedent(t))
    if step == "poss":  # (also of the phrase's first noun: "our policy and campaigning work";
        # and of a possessive inside a name: "[our] Women's Diversion Scheme")
        owners = _children(t, {"poss"}) or [p for c in _children(t, {"nmod", "compound"})
                                            for p in _children(c, {"poss"})] or [
            p for c in _children(t, {"appos"}) for p in _children(c, {"poss"})]  # ("This
        # report, the National Audit Office's second on the reforms, examines ...")
        return owners + [p for c in owners if c.tag_.startswith("NNP")
                         for p in _children(c, {"poss"})]
    if step == "compound":  # "an HMIP report", "Labour MP"
        return _children(t, {"compound", "nmod", "amod"})
    if step == "holder":
        return _holder(t)
    if step == "clause":
        return _clause_subjects(t)
    if step == "name":  # the trigger itself, when it is a word of a name ("Framework" of
        return [t] if t.tag_.startswith("NNP") or " " in t.text else []  # "HMPPS's
        # Dynamic Framework"; a name made one token before parsing: "Transforming Rehabilitation")
    if step == "inside":  # "said [the supervision offered by the company] was poor" (a
        if t.head.head.i > t.head.i:  # clause after its verb: one before it is a misparse)
            return []
        return [x for x in t.subtree if x.i != t.i]
    if step == "question":  # "examined how well [the Ministry] managed the contracts"
        return [_antecedent(s) for c in _children(t, {"ccomp"}) if any(
                    w.lower_ in QUESTION_WORDS for w in c.subtree if w.i < c.i)
                for s in _children(c, SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS)]
    if step == "complement":  # "found that [shortages were undermining the service]"
        return _children(t, {"ccomp", "xcomp"})
    if step == "subject":  # "a study of how [the NPS] used ..."
        return [_antecedent(s) for s in _children(t, SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS)]
    if step == "head":
        return [t.head] if t.head.i != t.i else []
    if step == "according":
        return _according_to(t)
    if step == "within":
        return _places_within(t)
    if step == "described":  # "Napo, the union for probation staff in England and Wales"
        return [p for c in t.children if (c.dep_ in ("appos", "relcl")
                or c.dep_ == "acl" and not _passive(c))  # not "centres run by X in Y"
                and not is_infinitive(c)  # nor "an agency, to provide X in Y": a purpose
                for p in _places_within(c, own_only=True)]
    if step == "phrase":  # "a provider of justice services, based in X": the provider
        while t.dep_ in ("pobj", "conj") and t.head.i != t.i and (
                t.head.dep_ == "prep" or t.dep_ == "conj"):
            t = t.head.head if t.dep_ == "pobj" else t.head
        return [t] if t.tag_.startswith("NN") else []
    if step == "container":  # "a consortium in which X is the lead member" (or "holds the
        # majority stake"): the consortium
        verb = t.head
        if t.dep_ in ("attr", "acomp", "oprd", "dobj") and verb.dep_ == "relcl" and any(
                c.dep_ == "prep" and c.lower_ in ("in", "of", "within") and any(
                    p.lower_ in ("which", "whom") for p in c.children) for c in verb.children):
            return _noun_self(verb.head)
        return []
    if step == "report":  # only a report, review, study ... ("the report found that ...")
        nouns = word_set("frames.yaml", "report_nouns")
        return [t] if lemma(t) in nouns or t.lower_ in nouns else []
    if step == "attr":  # "its members were X, Y" (at times parsed as an adjective)
        return _children(t, {"attr", "oprd", "acomp"})
    if step == "modifier":  # "criticised Seetec's handling", "the way TR squeezed ..."
        return (_children(t, {"poss", "compound"}) + _step(t, "prep:of", False)
                + _step(t, "prep:by", False)
                + [s for c in _children(t, {"relcl", "acl"}) for s in _children(c, SUBJECT_DEPS)]
                + [s for c in _children(t, {"acl"}) if _passive(c) for s in _verb_agent(c)])
    if step == "where":  # "Wales, where the Division works closely with ..."
        return [t.head] if t.dep_ == "relcl" and any(
            c.lower_ == "where" for c in t.children) else []
    word = step[5:]  # prep:WORD
    # a name opening with a preposition ("about Through the Gate") is parsed as one
    preps = [c for c in t.children if c.dep_ in ("prep", "agent", "dative") and c.lower_ == word]
    preps += [c for p in t.children if p.dep_ == "prt" for c in p.children
              if c.dep_ == "prep" and c.lower_ == word]  # ("made up of X": on the particle)
    if preps and t.tag_.startswith("NN") and t.dep_ in ("dobj", "attr", "pobj"):
        # "members of A, and of B": the repeated preposition, hung on the verb
        preps += [c for c in t.head.children if c.dep_ == "prep" and c.lower_ == word
                  and c.i > t.i and t.doc[c.i - 1].lower_ in ("and", "or")]
    if not preps and word == "with" and t.tag_.startswith("NN") and t.dep_ == "dobj":
        # a "with" right after a verb's object, hung on the verb ("praised its partnership
        # with X"): the object's
        preps = [c for c in t.head.children if c.dep_ == "prep" and c.lower_ == word
                 and c.i == t.right_edge.i + 1]
    if not preps and t.dep_ in ("acomp", "attr", "oprd", "dobj") and t.head.dep_ == "relcl":
        # "the Act, for which X is responsible": the relative's preposition, on its verb
        preps = [c for c in t.head.children if c.dep_ == "prep" and c.lower_ == word
                 and c.i < t.head.i]
    preps += [d for c in preps for d in c.children if d.dep_ == "conj" and d.lower_ == word]
    # ("with A and with B": the second preposition is the first one's conjunct)
    found = [_antecedent(p) for c in preps for p in c.children if p.dep_ in ("pobj", "pcomp")
             or p.dep_ == "prep" and p.is_title]
    if word == "as":  # "rated X as inadequate" hangs the verdict off the verb
        found += [c for c in t.children if c.dep_ in ("advcl", "oprd")]
    return found


def _role_fillers(trigger: Token, paths, verb: bool, extra: list[Token], at, inside,
                  allowed: frozenset[str], alone: bool = False,
                  taken: frozenset[int] = frozenset()) -> list[int]:
    """The mentions that fill a role: every path's, a fallback path's only if none before;
    `alone`: the mention itself, not the list it is in; `taken`: mentions that cannot fill
    it (the other role's list, which a misattached apposition may bring back)."""
    found: list[int] = []
    for path in paths:
        if path[0] == "?":
            if found:
                continue
            path = path[1:]
        found += [i for i in _fillers(_role_tokens(trigger, (path,), verb, extra, inside), at,
                                      inside, allowed, alone) if i not in found and i not in taken]
    return found


def _role_tokens(trigger: Token, paths, verb: bool, extra: list[Token], inside) -> list[Token]:
    out: list[Token] = []
    for path in paths:
        tokens = [trigger]
        for i, step in enumerate(path):
            # a name's own compounds are not another name ("Frances" of "Frances Crook",
            # "Lab" beside "Labour"): compounds and modifiers are read from common words
            # ("Labour MP", "Seetec's handling")
            tokens = [r for t in tokens if step not in ("compound", "modifier")
                      or t.i not in inside
                      for r in _step(t, step, verb if i == 0 else _is_verb(t))
                      # (a name's own "of" is no step away: "Ministry of Justice")
                      if not (step.startswith("prep:") and t.i in inside
                              and inside.get(r.i) == inside[t.i])]
            if i == 0 and step == "patient":  # "work for X": the trigger's own preposition
                tokens += extra
            elif i == 0 and step.startswith("prep:"):
                tokens += [p for p in extra if _prep_word(p) == step[5:]]
        out += tokens
    return out


def _prep_word(pobj: Token) -> str | None:
    return pobj.head.lower_ if pobj.dep_ == "pobj" else None


def _same_thing(t: Token) -> list[Token]:
    """A filler token and the tokens of its noun phrase that name the same thing or a list."""
    seen, todo = [], [t]
    while todo:
        x = todo.pop()
        if x in seen:
            continue
        seen.append(x)
        # what follows "X, a consortium of A, ..." is the consortium's members, however the
        # parser hung them from X
        group = next((c.i for c in x.children if c.dep_ == "appos" and any(
            p.dep_ == "prep" and p.lower_ in ("of", "between") for p in c.children)), None)
        owned = x.dep_ == "appos" and x.tag_ in ("NN", "NNS")  # "X, a Purple Futures company":
        todo += [c for c in x.children if (c.dep_ in SAME_THING_DEPS or c.dep_ == "amod"  # its
                                           and " " in c.text)  # owner is not X ("the Through
                 and (group is None or c.i <= group or c.dep_ == "compound")  # the Gate service")
                 and not (owned and c.dep_ == "compound" and c.tag_.startswith("NNP"))]
        if x.dep_ == "appos":  # "Purple Futures, a partnership led by ..."
            todo.append(x.head)
        todo += [p for c in x.children if c.dep_ == "prep" and c.lower_ in LIST_PREPOSITIONS
                 for p in c.children if p.dep_ == "pobj"]
        # "services, known as Commissioned Rehabilitative Services"
        todo += [p for c in x.children if c.dep_ == "acl" and c.lower_ in NAMING_VERBS
                 and not any(m.lower_ in FORMER_WORDS for m in c.children)
                 for a in c.children if a.dep_ == "prep" and a.lower_ == "as"
                 for p in a.children if p.dep_ == "pobj"]
        if x.lower_ == "office" and x.is_title and x.dep_ in ("pobj", "dobj", "nsubj",
                                                             "nsubjpass"):
            # "funding from the Office of the PCC, led by Y": the PCC
            todo += [p for c in x.children if c.dep_ == "prep" and c.lower_ == "of"
                     for p in c.children if p.dep_ == "pobj"]
        whole = _partitive_whole(x)  # "one of two companies run by X"
        if whole is not None:
            todo += _noun_self(whole)
        if x.tag_ in ("NN", "NNS") and x.dep_ == "pobj" and x.head.lower_ == "as" and (
                x.head.head.tag_.startswith("VB")):  # "It was founded as a joint venture
            todo += _noun_self(x)  # owned by X": the venture is it
    return seen


# --- matching -------------------------------------------------------------------------------

def _trigger_matches(t: Token, words: tuple[str, ...], verb: bool) -> tuple[bool, list[Token]]:
    """Whether the trigger's other words are there; a verb's final particle or preposition
    ("took over", "look at") brings its object with it."""
    if len(words) == 1 or words == ("*",):
        return True, []
    if verb:  # the other words follow in the verb's own phrase: "put the model into practice"
        extra: list[Token] = []
        rest = list(words[1:])
        for c in t.subtree:
            if c.i <= t.i or c.i > t.i + VERB_PHRASE_WINDOW or (_governing_verb(c) or t).i != t.i:
                continue
            if rest and c.lower_ == rest[0]:
                rest.pop(0)
                extra += [p for p in c.children if p.dep_ == "pobj"] if not rest else []
        return not rest, extra
    left = [c.lower_ for c in t.lefts if c.dep_ in ("compound", "amod", "nmod")]
    left += [lemma(t)]
    return tuple(left[-len(words):]) == words, []


def _forms(t: Token) -> list[str]:
    """The lemma first ("found" → "find"), then the word as written, then the stem of a
    regular -d/-s form ("rated" → "rate", which the lemmatizer's rules miss)."""
    low = t.lower_
    return [lemma(t), low] + [low[:-1] for suffix in ("d", "s") if low.endswith(suffix)]


def _governing_verb(t: Token) -> Token | None:
    """The nearest verb above a token (the token's own clause)."""
    for a in t.ancestors:
        if _is_verb(a):
            return a
    return None


def classes_ok(cls: str, allowed: frozenset[str]) -> bool:
    """Whether a mention's class fits a role; "?Organisation" (a description still to be
    resolved) fits any role some kind of organisation fits, checked again once resolved."""
    if cls.startswith("?"):
        return any(classes_ok(c, allowed) for kind in cls[1:].split("|")
                   for c in _kinds_of(kind))
    ancestors = class_ancestors().get(cls, frozenset({cls}))
    return bool(ancestors & allowed) and not any("!" + a in allowed for a in ancestors)



@cache
def _kinds_of(cls: str) -> tuple[str, ...]:
    """A class and its sub-classes."""
    return tuple(c for c, ancestors in class_ancestors().items() if cls in ancestors) or (cls,)


@lru_cache(maxsize=1)
def frames_by_id() -> dict[str, Frame]:
    return {f.id: f for f in load_frames()}


def match_frames(sent: Span, offset: int, mentions: list[tuple[int, int, int, str]]
                 ) -> Iterator[tuple[int, str, int, str, float, bool, int]]:
    """Yield (subject index, predicate, object index, extractor, confidence, inspects,
    trigger token index) for the frames of one parsed sentence; `mentions` are (index,
    start, end, class) in document offsets, `offset` the document offset of the sentence's
    Doc."""
    if len(mentions) < 2:
        return
    index = _trigger_index()
    at, inside = _mention_tokens(sent, offset, mentions)
    list_of = {idx: _list_head(sent.doc[i]) for i, found in at.items() for idx, _ in found}
    for i in sorted(at):  # a list the parser broke apart is still one list
        for y in _listed_with(sent.doc[i], inside):
            for idx, _ in at.get(y.i, []):
                list_of[idx] = list_of[at[i][0][0]]
    possible = _possible_frames(sent, mentions)
    seen = set()
    for t in sent:
        verb = _is_verb(t)
        kind = "v" if verb else "n"
        forms = [w for w in dict.fromkeys(_forms(t)) if (kind, w) in index]
        # a verb is read as its lemma ("found" is find); a noun as every form ("partners")
        options = list(dict.fromkeys(o for w in (forms[:1] if verb else forms)
                                     for o in index[(kind, w)]))
        if verb:
            options = options + index.get(("v", "*"), [])
        elif t.tag_.startswith("NN"):
            options = options + index.get(("n", "*"), [])
        if options and not asserted(t):
            continue  # "did not buy", "never owned", "might acquire"
        for frame, words in options:
            if frame.id not in possible:
                continue
            ok, extra = _trigger_matches(t, words, verb)
            if not ok:
                continue
            # (a frame of any verb at all reads its own clause only: "a joint report
            # published by A and B" is no joint action of theirs)
            if frame.requires and not _says(t, frame.requires, described=words != ("*",)):
                continue
            if frame.excludes and _says(t, frame.excludes):
                continue
            if frame.unless_modified_by and any(  # ("operations director", "director of
                    c.lower_ in frame.unless_modified_by  # operations")
                    for c in [*t.lefts, *_step(t, "prep:of", False)]):
                continue
            subjects = _role_fillers(t, frame.subject, verb, extra, at, inside,
                                     frame.subject_classes, frame.subject_alone)
            if frame.pairwise:
                pairs = [(a, b) for a in subjects for b in subjects if a < b]
            else:
                objects = _role_fillers(t, frame.object, verb, extra, at, inside,
                                        frame.object_classes)
                own = [o for o in objects if o not in subjects]
                if own and len(own) < len(objects):
                    # names on both sides came through a misparsed list ("X, whose members
                    # are A, B and C,"): they belong to the subject side
                    objects = own
                # never between members of one list ("Napo, Unison and X, which all said")
                pairs = [(s, o) for s in subjects for o in objects
                         if s != o and list_of.get(s, s) != list_of.get(o, -1 - o)]
                if subjects and objects and not pairs:
                    # every object was the subjects' own list, brought back by a misattached
                    # apposition ("Our work was funded by A, the B Trust and C"): the role's
                    # fallback paths, without them
                    lists = {list_of.get(s, s) for s in subjects}
                    taken = frozenset(i for i, head in list_of.items() if head in lists)
                    objects = _role_fillers(t, frame.object, verb, extra, at, inside,
                                            frame.object_classes, taken=taken | set(subjects))
                    pairs = [(s, o) for s in subjects for o in objects if s != o]
            for s, o in pairs:
                key = (s, frame.predicate, o)
                if key in seen:
                    continue
                seen.add(key)
                yield (s, frame.predicate, o, f"frame:{frame.id}", frame.confidence,
                       frame.inspects, t.i)


def _possible_frames(sent: Span, mentions) -> frozenset[str]:
    """The frames a sentence could give a fact for: some mention fits each role's classes,
    and a word the frame requires is in the sentence (checked once, not per trigger)."""
    ancestors = class_ancestors()
    present = frozenset().union(*(ancestors.get(c, frozenset({c})) for _, _, _, cls in mentions
                                  for c in ([k for kind in cls[1:].split("|")
                                             for k in _kinds_of(kind)] if cls.startswith("?")
                                            else (cls,))))
    lowered = [x.lower_ for x in sent]
    # lemmas only of the words that inflect (a lemma look-up for every token cost a tenth)
    words = set(lowered) | {lemma(x) for x in sent if x.tag_[:2] in ("VB", "NN")}
    text = f" {' '.join(lowered)} "
    out = set()
    for f in load_frames():
        if not (f.subject_classes & present) or not (f.pairwise or f.object_classes & present):
            continue
        if f.requires and not (f.requires & words) and not any(
                " " in w and f" {w} " in text for w in f.requires):
            continue
        out.add(f.id)
    return frozenset(out)


def _says(t: Token, words: frozenset[str], described: bool = False) -> bool:
    """Whether the trigger's clause holds one of `words` (a phrase counts as written); a
    purpose or conjoined clause counts its head verb ("merged with B to form C"); with
    `described`, a participle counts the noun phrase it describes ("a joint venture formed
    by")."""
    subtree = list(t.subtree) + ([t.head] if t.dep_ in ("advcl", "xcomp", "conj") else [])
    if described and t.dep_ == "acl":
        subtree += [x for x in t.head.subtree if x.i <= t.head.i]
    if any(x.lower_ in words or lemma(x) in words for x in subtree):
        return True
    text = " ".join(x.lower_ for x in subtree)
    return any(" " in w and f" {w} " in f" {text} " for w in words)


SPOKESPEOPLE = {"representative", "spokesperson", "spokesman", "spokeswoman", "official",
                "source", "statement", "insider"}  # who speak for an organisation
HEDGING_MODALS = {"could", "might", "may", "would", "should"}
ORGANISATION = frozenset({"Organisation"})


@lru_cache(maxsize=1)
def excluded_roles() -> dict[tuple[str, str], frozenset[str]]:
    """(property, "subject"/"object") → classes that never fill that role, whichever rule
    proposes the fact (frames.yaml `excluded_roles`)."""
    spec = load_yaml("frames.yaml").get("excluded_roles") or {}
    return {(prop, role): frozenset(classes) for prop, roles in spec.items()
            for role, classes in roles.items()}


def role_excluded(predicate: str, role: str, cls: str) -> bool:
    """Whether a mention of this class may not fill this role of the property."""
    excluded = excluded_roles().get((predicate, role))
    return bool(excluded) and bool(class_ancestors().get(cls, frozenset({cls})) & excluded)


def asserted(t: Token) -> bool:
    """Whether the clause of a word states it as fact: not negated ("did not buy", "never
    owned"), not hedged by a modal ("might acquire", "could bid"), not an intention or a
    failure ("plans to buy", "failed to implement"). An apposition states its fact whatever
    the clause around it ("NOMS, an agency of the Ministry, should review ...")."""
    if not _is_verb(t):
        for a in [t, *t.ancestors]:
            if _is_verb(a):
                break
            if a.dep_ == "appos":
                return True
    verb = t if _is_verb(t) else next((a for a in t.ancestors if _is_verb(a)), None)
    unrealised = word_set("frames.yaml", "unrealised_verbs")
    while verb is not None:
        for c in verb.children:
            if c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in HEDGING_MODALS):
                return False
        if verb is t and verb.dep_ == "xcomp" and lemma(verb.head) in unrealised:
            return False  # "failed to implement", "plans to buy" (not "plans to close its
            # office in X": the office is there)
        if verb.dep_ == "ccomp" and lemma(verb.head) in unrealised:
            return False  # "we recommend that the Ministry work with ..."
        # a copula's or auxiliary chain's own verb: "is not the owner", "was not bought"
        verb = verb.head if verb.dep_ in ("xcomp", "conj", "aux", "auxpass") and \
            verb.head.i != verb.i and _is_verb(verb.head) else None
    return True


def _list_head(t: Token) -> int:
    """The token index of the first member of the coordinated list a token is in."""
    while t.dep_ == "conj" and t.head.i != t.i:
        t = t.head
    return t.i


def _mention_tokens(sent: Span, offset: int, mentions):
    """token index → the mentions it is the head of, and → the mentions it lies in."""
    at: dict[int, list[tuple[int, str]]] = {}
    inside: dict[int, list[tuple[int, str]]] = {}
    for idx, start, end, cls in mentions:
        tokens = [t for t in sent if start <= offset + t.idx < end]
        if not tokens:
            continue
        heads = [t for t in tokens if not (start <= offset + t.head.idx < end) or t.head.i == t.i]
        for h in heads[:1]:
            at.setdefault(h.i, []).append((idx, cls))
        for t in tokens:
            inside.setdefault(t.i, []).append((idx, cls))
    return at, inside


# --- quoted speech --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _speech() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    data = load_yaml("frames.yaml")
    speech = data.get("quoted_speech") or {}
    return (frozenset(speech.get("verbs", [])), frozenset(speech.get("targets", [])),
            frozenset(w.lower() for w in data.get("verdicts", [])))


def speaker(sent: Span, offset: int, mentions) -> int | None:
    """The person or organisation a sentence reports as speaking ('X said:', 'said X')."""
    verbs, _, _ = _speech()
    at, inside = _mention_tokens(sent, offset, mentions)
    speakers = frozenset({"Person", "Organisation"})
    for t in sent:
        if _is_verb(t) and lemma(t) in verbs:
            agents = _verb_agent(t)
            # "a spokesperson for X said", "a Napo representative said"
            agents += [p for a in agents if a.i not in inside and lemma(a) in SPOKESPEOPLE
                       for p in _step(a, "prep:of", False) + _step(a, "prep:for", False)
                       + _step(a, "prep:from", False) + _step(a, "prep:at", False)
                       + _children(a, {"poss", "compound"})]
            found = _fillers(agents, at, inside, speakers)
            if found:
                return found[0]
    return None


def quote_open_after(sent: Span, was_open: bool) -> bool:
    """Whether a quotation is still open at the end of the sentence."""
    open_ = was_open
    for ch in sent.text:
        if ch == "“":
            open_ = True
        elif ch == "”":
            open_ = False
        elif ch == '"':
            open_ = not open_
    return open_


def quoted_verdicts(sent: Span, speaker_index: int, mentions, offset: int = 0):
    """In a sentence quoted from a speaker, a verdict on a policy or programme it names, or on
    an organisation that is the subject of the verdict ("This CRC is not delivering"), is
    the speaker's criticism of it."""
    _, targets, verdicts = _speech()
    if not _says(sent.root, verdicts):
        return
    at, _ = _mention_tokens(sent, offset, mentions)
    subjects = {idx for i, found in at.items() for idx, _ in found
                if sent.doc[i].dep_ in SUBJECT_DEPS | PASSIVE_SUBJECT_DEPS
                and _clause_says(sent.doc[i].head, verdicts)}
    for idx, _, _, cls in mentions:
        if idx == speaker_index:
            continue
        if classes_ok(cls, targets) or (idx in subjects and classes_ok(cls, ORGANISATION)):
            yield speaker_index, "criticises", idx, "frame:quoted-verdict", 0.6, False


def _clause_says(verb: Token, words: frozenset[str]) -> bool:
    """Whether a verb's own clause (not a clause inside it) holds one of `words`."""
    clause = sorted([verb] + [x for x in verb.subtree if x.i != verb.i and not _is_verb(x)
                              and (_governing_verb(x) or verb).i == verb.i],
                    key=lambda x: x.i)
    if any(x.lower_ in words or lemma(x) in words for x in clause):
        return True
    text = " ".join(x.lower_ for x in clause)
    return any(" " in w and f" {w} " in f" {text} " for w in words)


def _listed_with(t: Token, inside) -> list[Token]:
    """The names that follow a name as one list closing its clause ("X, Y and Z."), however
    the parser attached them: it often breaks a list of multi-word names apart."""
    return _list_run(t, inside, need_join=True) if t.i in inside else []


def _list_run(t: Token, inside, need_join: bool) -> list[Token]:
    """The name tokens after `t` while the words between are list glue or short lower-case
    descriptions ("A, the employment services firm, and the charities B and C"), up to the
    end of the clause or a comma that closes the list; none if a verb comes first."""
    out, joined, description, appended, of = [], False, 0, False, False
    described = {a.head.i for a in t.ancestors if a.dep_ == "appos"}
    for y in t.doc[t.i + 1:t.sent.end]:
        if y.i in inside:
            if of:  # "X, a partnership of A and B": A and B are X's members, not its peers
                return out if joined and out else []
            if y.dep_ == "conj" and y.head.i in described:
                return out  # "Seetec, owner of A, and MTCnovo": MTCnovo is Seetec's peer
            out.append(y)
            description = 0
        elif y.lower_ in ("and", "or", "&"):
            joined = True
        elif y.text == ",":
            description, of = 0, False
        elif (y.tag_ in DESCRIPTION_TAGS or y.lower_ in ("of", "for")) \
                and (y.is_lower or y.tag_ == "JJ") \
                and description < MAX_DESCRIPTION and (
                    description or t.doc[y.i - 1].lower_ in (",", "and", "or", "&")):
            if not description:  # ", the outsourcing group,", "and the charities B and C"
                appended = t.doc[y.i - 1].text == ","
            description += 1
            of = of or y.lower_ in ("of", "for")
        else:  # the list ends its clause, or a comma closes it, or the last name's own
            # description ("and Novo, a group of UK social enterprises")
            closed = y.text in LIST_CLOSERS or t.doc[y.i - 1].text == ","
            last_described = bool(description) and appended and joined and bool(out)
            if last_described:
                return out
            return out if (joined or not need_join) and closed and not description else []
    return out if (joined or not need_join) and not description else []


@lru_cache(maxsize=1)
def _naming_heads() -> frozenset[str]:
    """The nouns that stand before the name they describe ("the probation union Napo"):
    lexicon.yaml org_context heads, one word each."""
    heads = load_yaml("lexicon.yaml").get("org_context", {}).get("heads") or []
    return frozenset(w.lower() for h in heads for w in h["words"] if " " not in w)


def _fillers(tokens: list[Token], at, inside, allowed: frozenset[str],
             alone: bool = False) -> list[int]:
    out: list[int] = []
    for t in tokens:
        t = _antecedent(t)
        group = [t] if alone else (_same_thing(t) + _listed_after(t, inside)
                                   + _listed_with(t, inside))
        nxt = t.i + 1
        if t.i not in inside and t.lower_ in _naming_heads() and nxt < len(t.doc) \
                and nxt in inside and nxt in at:
            group.append(t.doc[nxt])  # "the probation union Napo", parsed apart (and the
            group += _listed_with(t.doc[nxt], inside)  # list it opens: ", the charity B")
        for x in group:
            for idx, cls in at.get(x.i, []) or (inside.get(x.i, []) if x.i == t.i else []):
                if idx not in out and classes_ok(cls, allowed):
                    out.append(idx)
    return out
