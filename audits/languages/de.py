"""German: the words that agree with a person whose gender is swapped.

A swap changes, besides the lexicon's terms ("Ärztin" <-> "Arzt"):
- the determiner and the adjectives of a swapped noun, whose form depends on gender, number and
  case: "eine gute Ärztin" <-> "ein guter Arzt", "die neue Leiterin" <-> "den neuen Leiter",
  "mit ihrer Tochter" <-> "mit seinem Sohn", "zur Kollegin" <-> "zum Kollegen";
- the noun's own case form: "des Arztes", "dem Kollegen", "den Ärzten", "Herrn Müller";
- a relative pronoun after a swapped singular noun ("die Ärztin, die ..." <-> "der Arzt, der ...");
- pronouns by their use: "sie" -> "er" (subject) or "ihn" (object), "ihr" -> "sein" (possessive)
  or "ihm" (dative), "ihre"/"ihrem"/... -> "seine"/"seinem"/... with the same ending.
Predicate adjectives are not inflected in German ("sie ist zuverlässig" <-> "er ist zuverlässig").

A feminine article does not show the case that the masculine one needs: "die"/"eine" is nominative
or accusative ("der"/"den"), "der"/"einer" dative or genitive ("dem"/"des"). Every reading of a noun
phrase that its words allow (number, case) is tried, the context narrows them by a few reliable
rules (sentence start or a copula -> nominative; a preposition's fixed case; a contraction; after a
subordinating conjunction -> nominative; after a noun phrase -> genitive), and the swap is made only
when every reading left gives the same words; otherwise ``Unsafe``. The same holds for "sie": she,
they or formal "Sie" is decided by the verb next to it, subject or object by its place in the clause.

A text is also left out when a word agrees with the person but is no term: a compound the lexicon
does not list ("Teamleiterin", "Bankkaufmann"), an adjectival noun ("die Angestellte", "der
Richtige"); when a relative pronoun stands away from a swapped noun ("eine Kandidatin gefunden, die
..."); or when the swap would repeat a noun of the other group beside it ("Tochter und Sohn").

Punctuation is not seen (``words_of`` drops it): a gap of two or more characters between words is
taken as a comma or a full stop (a clause boundary), and a capitalised article or pronoun after such
a gap as a sentence start.
"""

from __future__ import annotations

from .grammar import OTHER, Edit, Gender, Grammar, Term, Unsafe, Word

CASES = ("nom", "acc", "dat", "gen")
ALL = frozenset(CASES)
SG, PL = "sg", "pl"

# --- determiners --------------------------------------------------------------------------
# Articles, ein-words (article, "kein", possessives) and dieser-words inflect by these endings.
DEFINITE = {
    ("feminine", SG): {"nom": "die", "acc": "die", "dat": "der", "gen": "der"},
    ("masculine", SG): {"nom": "der", "acc": "den", "dat": "dem", "gen": "des"},
    ("plural", PL): {"nom": "die", "acc": "die", "dat": "den", "gen": "der"},
}
EIN_ENDINGS = {
    ("feminine", SG): {"nom": "e", "acc": "e", "dat": "er", "gen": "er"},
    ("masculine", SG): {"nom": "", "acc": "en", "dat": "em", "gen": "es"},
    ("plural", PL): {"nom": "e", "acc": "e", "dat": "en", "gen": "er"},
}
DIESER_ENDINGS = {
    ("feminine", SG): {"nom": "e", "acc": "e", "dat": "er", "gen": "er"},
    ("masculine", SG): {"nom": "er", "acc": "en", "dat": "em", "gen": "es"},
    ("plural", PL): {"nom": "e", "acc": "e", "dat": "en", "gen": "er"},
}
EIN_STEMS = ("ein", "kein", "mein", "dein", "sein", "ihr", "unser", "eur")
DIESER_STEMS = ("dies", "jen", "jed", "welch", "solch", "manch")
# The possessive of the person itself swaps its stem and keeps (or re-agrees) its ending.
POSSESSIVE_STEM = {"feminine": "ihr", "masculine": "sein"}
# A preposition fused with the dative article: feminine "zur", masculine ones; read as "zu der" etc.
CONTRACTIONS = {"zur": ("zu", "feminine"), "zum": ("zu", "masculine"), "beim": ("bei", "masculine"),
                "vom": ("von", "masculine"), "im": ("in", "masculine"), "am": ("an", "masculine")}
FEMININE_CONTRACTION = {"zu": "zur", "bei": "bei der", "von": "von der", "in": "in der", "an": "an der"}
MASCULINE_CONTRACTION = {"zu": "zum"}  # "bei der Ärztin" stays unfused: "bei dem Arzt"
# Words that count like a determiner in a plural noun phrase (they do not change with gender).
QUANTIFIERS = {
    "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf",
    "alle", "allen", "aller", "beide", "beiden", "beider", "viele", "vielen", "vieler", "einige", "einigen",
    "mehrere", "mehreren", "wenige", "wenigen", "andere", "anderen",
}

# --- adjective endings (weak after der/dieser, mixed after ein-words, strong without a determiner)
WEAK = {
    ("feminine", SG): {"nom": "e", "acc": "e", "dat": "en", "gen": "en"},
    ("masculine", SG): {"nom": "e", "acc": "en", "dat": "en", "gen": "en"},
    ("plural", PL): {"nom": "en", "acc": "en", "dat": "en", "gen": "en"},
}
MIXED = {
    ("feminine", SG): {"nom": "e", "acc": "e", "dat": "en", "gen": "en"},
    ("masculine", SG): {"nom": "er", "acc": "en", "dat": "en", "gen": "en"},
    ("plural", PL): {"nom": "en", "acc": "en", "dat": "en", "gen": "en"},
}
STRONG = {
    ("feminine", SG): {"nom": "e", "acc": "e", "dat": "er", "gen": "er"},
    ("masculine", SG): {"nom": "er", "acc": "en", "dat": "em", "gen": "en"},
    ("plural", PL): {"nom": "e", "acc": "e", "dat": "en", "gen": "er"},
}
ADJECTIVE_ENDINGS = ("en", "em", "er", "es", "e")
# Adverbs that may stand before an adjective inside a noun phrase ("eine sehr gute Ärztin"), or
# between a copula and its predicate ("sie ist auch eine gute Ärztin").
ADVERBS = {
    "sehr", "besonders", "äußerst", "überaus", "ganz", "ziemlich", "recht", "wirklich", "echt", "hoch",
    "absolut", "extrem", "stets", "immer", "auch", "noch", "schon", "bereits", "nicht", "nun", "jetzt",
    "heute", "seit", "zudem", "außerdem", "ebenfalls", "zweifellos", "sicher", "wohl", "gewiss", "eindeutig",
    "wieder", "erneut", "damals", "inzwischen", "mittlerweile", "derzeit", "aktuell", "bisher", "nie",
}
ADVERB_SUFFIXES = ("lich", "ig", "isch", "bar", "sam", "haft", "voll", "los")

# --- context ------------------------------------------------------------------------------------
ACC_PREPOSITIONS = {"für", "ohne", "gegen", "durch", "um", "bis", "wider"}
DAT_PREPOSITIONS = {"mit", "bei", "von", "zu", "aus", "nach", "seit", "gegenüber", "außer", "ab", "samt", "nebst"}
GEN_PREPOSITIONS = {"während", "wegen", "trotz", "statt", "anstatt", "innerhalb", "außerhalb", "aufgrund",
                    "bezüglich", "anhand", "seitens", "zugunsten", "mithilfe", "hinsichtlich"}
TWO_WAY_PREPOSITIONS = {"in", "an", "auf", "über", "unter", "vor", "hinter", "neben", "zwischen"}
PREPOSITIONS = ACC_PREPOSITIONS | DAT_PREPOSITIONS | GEN_PREPOSITIONS | TWO_WAY_PREPOSITIONS
PREPOSITION_CASES = {
    **{word: frozenset({"acc"}) for word in ACC_PREPOSITIONS},
    **{word: frozenset({"dat"}) for word in DAT_PREPOSITIONS},
    **{word: frozenset({"gen"}) for word in GEN_PREPOSITIONS},
    **{word: frozenset({"acc", "dat"}) for word in TWO_WAY_PREPOSITIONS},
}
# A noun phrase right after one of these is the predicate (or the subject): nominative.
COPULAS = {"ist", "war", "sei", "wäre", "bleibt", "blieb", "bin", "bist", "sind", "waren", "seid", "wird",
           "wurde", "werde", "wirst", "werden", "wurden", "würde", "heißt", "hieß"}
# "wird ... übernehmen": werden as an auxiliary may have an accusative object, so a noun phrase after
# it is nominative only when no infinitive follows.
FUTURE_AUXILIARIES = {"wird", "wurde", "werde", "wirst", "werden", "wurden", "würde"}
SUBORDINATORS = {"dass", "weil", "ob", "wenn", "obwohl", "nachdem", "bevor", "da", "sodass", "damit", "falls",
                 "sobald", "solange", "während", "seitdem", "sofern", "indem", "wie"}
COORDINATORS = {"und", "oder", "sowie", "aber", "denn", "sondern"}
HAVE = {"hat", "hatte", "habe", "haben", "hätte", "hatten", "hast"}
NOMINATIVE_PRONOUNS = {"ich", "du", "er", "wir", "man"}
OBJECT_PRONOUNS = {"mich", "dich", "uns", "euch", "ihn", "ihm", "ihnen", "mir", "dir"}
# Sentence-initial adverbials after which the finite verb comes before its subject ("Seit 2015
# leitet sie ..."): then "sie" right after that verb is the subject.
TOPIC_ADVERBS = {"heute", "dort", "hier", "damals", "jetzt", "seitdem", "zudem", "außerdem", "daher", "deshalb",
                 "dann", "danach", "später", "zuvor", "bisher", "derzeit", "aktuell", "inzwischen",
                 "mittlerweile", "zuletzt", "gestern", "seither", "zuerst", "anschließend", "privat",
                 "beruflich", "nebenbei", "trotzdem", "dennoch", "somit", "also", "nun", "oft", "meist"}
# Third person singular finite verbs that the ending rule (-t, -te) does not catch.
FINITE_3SG = {"ist", "war", "hat", "wird", "wurde", "bekam", "starb", "zog", "rief", "fiel", "trug", "schuf", "übernahm", "verlor", "schloss", "entschied", "bestand", "verstand",
              "unterschrieb", "bewarb", "erwarb", "fing", "hing", "ließ", "wusste", "kann", "konnte", "muss", "musste", "soll", "will", "darf", "mag",
              "möchte", "sei", "wäre", "hätte", "würde", "könnte", "müsste", "sollte", "wollte", "durfte", "weiß",
              "kam", "ging", "sprach", "gab", "nahm", "fand", "hielt", "blieb", "erhielt", "begann", "gewann",
              "verließ", "schrieb", "las", "half", "sah", "lag", "saß", "stand", "trat", "zog", "wuchs", "tat",
              "bot", "hieß", "lief", "fuhr", "flog", "verbrachte", "brachte", "dachte", "kannte", "nannte"}
# Words that end in -t but are no verb after "sie" ("sie nicht", "sie selbst").
NOT_VERBS = {"nicht", "jetzt", "oft", "selbst", "erst", "bereits", "zuletzt", "seit", "meist", "sonst",
             "längst", "zunächst", "mit", "gut", "weit", "leicht", "recht", "fast", "mehrfach", "somit",
             "bestimmt", "vielleicht", "zuerst", "damit", "stets", "bereit", "heute"}
PLURAL_VERBS = {"sind", "tun", "seid"}
# Words that end like an adjective but are verbs, adverbs or function words: never an adjective.
NOT_ADJECTIVES = {
    "wurde", "würde", "werde", "werden", "wurden", "habe", "haben", "hatte", "hatten", "hätte", "hätten", "möchte",
    "konnte", "könnte", "sollte", "wollte", "musste", "müsste", "durfte", "bleibe", "bleiben", "wäre", "wären",
    "sei", "seien", "sein", "gewesen", "geworden", "immer", "später", "früher", "wieder", "gerne", "gern", "lange",
    "eher", "aber", "oder", "über", "unter", "hinter", "wegen", "gegen", "neben", "zwischen", "ohne", "außer",
    "ihnen", "denen", "deren", "dessen", "jemanden", "niemanden", "einander", "bitte", "ferner", "daher",
    "alleine", "heute", "seine", "ihre", "weiter", "weniger", "mehr", "sehr", "sowie", "ebenso", "gestern",
    "morgen", "selten", "oben", "unten", "eben", "seither", "zuvor", "innen", "außen", "hinten", "vorne",
}
RELATIVES = {"feminine": {"die": frozenset({"nom", "acc"}), "der": frozenset({"dat"}), "deren": frozenset({"gen"})},
             "masculine": {"der": frozenset({"nom"}), "den": frozenset({"acc"}), "dem": frozenset({"dat"}),
                           "dessen": frozenset({"gen"})}}
RELATIVE_FORMS = {"feminine": {"nom": "die", "acc": "die", "dat": "der", "gen": "deren"},
                  "masculine": {"nom": "der", "acc": "den", "dat": "dem", "gen": "dessen"}}
# Words that may be the subject of a relative clause ("die Ärztin, die jeder kennt"): then the
# relative pronoun is not known to be its subject.
SUBJECT_WORDS = NOMINATIVE_PRONOUNS | {"sie", "es", "ihr", "jeder", "jede", "alle", "viele", "niemand",
                                       "jemand", "keiner", "keine", "beide", "einige", "manche"}
# Verbs that take a dative person and an accusative thing: with one of them in the text,
# "ihr Geld" may be "her money" or "(to) her money", so "ihr" + noun is left out.
DATIVE_VERBS = {
    "gab", "gibt", "geben", "gegeben", "bot", "bietet", "anbieten", "angeboten", "zeigt", "zeigte", "gezeigt",
    "schenkt", "schenkte", "geschenkt", "schickt", "schickte", "geschickt", "bringt", "brachte", "gebracht",
    "empfahl", "empfiehlt", "empfohlen", "erteilt", "erteilte", "übertrug", "überträgt", "übertragen",
    "vermittelt", "vermittelte", "gewährt", "gewährte", "versprach", "verspricht", "versprochen", "schuldet",
    "sagt", "sagte", "gesagt", "erklärt", "erklärte", "wünscht", "wünschte", "gewünscht", "zahlt", "zahlte",
    "bezahlt", "überwies", "überweist", "überwiesen", "leiht", "lieh", "geliehen", "gewähren", "gönnt",
}

# --- nouns ---------------------------------------------------------------------------------------
# Masculine nouns of the weak declension: -(e)n in every case but the nominative singular
# ("der Kollege", "den Kollegen"). Person nouns in -e, and the suffixes and words below.
# Only listed nouns in -e count (a plural such as "Ärzte" also ends in -e).
WEAK_SUFFIXES = ("ent", "ant", "and", "ist", "at", "graf", "eut", "ot", "et", "urg", "naut", "nom", "soph", "loge",
                 "goge")
WEAK_WORDS = {"herr", "prinz", "fürst", "held", "nachbar", "bauer", "mensch", "architekt", "christ", "kollege",
              "kunde", "neffe", "pate", "gatte", "junge", "experte", "zeuge", "bote", "laie", "erbe", "kommilitone"}
# Strong masculine nouns whose genitive is -es ("des Arztes"); the others take -s ("des Lehrers").
GENITIVE_ES = ("arzt", "sohn", "freund", "wirt", "gott", "gast", "s", "ß", "x", "z")
GENITIVE_ES_WORDS = {"mann", "ehemann"}  # but "des Kaufmanns", "des Hausmanns"
# Adjectives that stand before a title without an article ("Sehr geehrte Frau Müller").
SALUTATIONS = {"geehrte", "geehrter", "geehrten", "liebe", "lieber", "lieben"}
# Masculine nouns in -er/-el whose plural is not the singular (it has an umlaut: "Väter").
UMLAUT_PLURALS = ("vater", "bruder", "schwager")
# Feminine singular -> plural, by ending; "-in" -> "-innen" covers the role nouns.
FEMININE_PLURALS = (
    ("mutter", "mütter"), ("tochter", "töchter"), ("frau", "frauen"), ("dame", "damen"), ("schwester", "schwestern"),
    ("tante", "tanten"), ("nichte", "nichten"), ("oma", "omas"), ("mama", "mamas"), ("mutti", "muttis"),
    ("witwe", "witwen"), ("braut", "bräute"), ("cousine", "cousinen"), ("nonne", "nonnen"), ("in", "innen"),
)

# --- person words the lexicon does not list (a text with one is left out) -------------------------
# A feminine role or kinship noun that is not a term: a compound on a listed head ("Teamleiterin",
# "Rechtsanwältin", "Bankkauffrau", "Halbschwester") or another noun in -in ("Juristin", "Biologin").
# A swap would leave it beside "er" ("Als Teamleiterin war er ..."), so a female text with one is
# left out. Only the endings of person nouns are listed ("Termin", "Medizin", "Berlin" end otherwise).
_FEMININE_IN = ("erin", "istin", "antin", "entin", "orin", "ärin", "eurin", "atin", "otin", "ogin", "omin", "ophin",
                "afin", "aphin", "eutin", "amtin", "öchin", "ärztin", "wältin", "ichin")
FEMININE_SUFFIXES = _FEMININE_IN + tuple(ending + "nen" for ending in _FEMININE_IN) + (
    "frau", "frauen", "mutter", "mütter", "müttern", "tochter", "töchter", "töchtern", "schwester", "schwestern")
NOT_FEMININE = {"severin", "valentin", "konstantin", "quentin", "corentin", "jungfrau"}
# Masculine compounds whose head has a feminine form that a woman would be called by ("Bankkaufmann"
# -> "Bankkauffrau", "Halbbruder" -> "Halbschwester", "Tierarzt" -> "Tierärztin"): a male text with one
# is left out. (Other masculine role nouns, "Teamleiter", may be generic and stay.)
MASCULINE_SUFFIXES = ("kaufmann", "kaufmanns", "fachmann", "fachmanns", "feuerwehrmann", "feuerwehrmanns",
                      "vater", "vaters", "väter", "vätern", "sohn", "sohnes", "söhne", "söhnen", "bruder", "bruders",
                      "brüder", "brüdern", "arzt", "arztes", "ärzte", "ärzten", "anwalt", "anwalts", "anwälte",
                      "anwälten")
# Adjectival nouns agree with the person like an adjective ("die Angestellte" / "der Angestellte",
# "ein Angestellter", "sie ist die Erste" / "er ist der Erste") and are not terms: a text with one in
# the singular is left out. Their plural has no gender ("vierzig Beschäftigte").
ADJECTIVAL_STEMS = {
    "angestellt", "beamt", "bekannt", "verwandt", "vorsitzend", "verlobt", "selbstständig", "selbständig",
    "auszubildend", "abgeordnet", "deutsch", "jugendlich", "erwachsen", "arbeitslos", "alleinerziehend",
    "alleinstehend", "studierend", "krank", "verstorben", "angehörig", "beschäftigt", "richtig", "neu", "erst",
    "best", "letzt", "einzig", "geschieden", "berufstätig", "erwerbstätig", "erwerbslos", "sachverständig",
    "bevollmächtigt", "beauftragt", "freiwillig", "fremd", "geliebt", "vertraut", "verletzt", "behindert",
    "schwerbehindert", "pflegebedürftig", "obdachlos", "gläubig", "jüngst", "ältest", "geschäftsführend",
    "lehrend", "reisend", "vertriebsangestellt", "bankangestellt",
}


def _gap(words: list[Word], index: int) -> int:
    """Characters between word ``index`` and the one before it (2 or more: punctuation)."""
    return words[index].start - words[index - 1].end if index > 0 else 99


def _capital(word: Word) -> bool:
    return word.text[:1].isupper()


def parse_determiner(norm: str) -> tuple[str, str, str] | None:
    """("def", "", "die") / ("ein", "mein", "e") / ("dieser", "dies", "er"), or None."""
    if norm in ("der", "die", "das", "den", "dem", "des"):
        return ("def", "", norm)
    if norm == "euer":
        return ("ein", "eur", "")
    for stem in EIN_STEMS:
        if norm.startswith(stem) and norm[len(stem):] in ("", "e", "en", "em", "er", "es"):
            return ("ein", stem, norm[len(stem):])
    for stem in DIESER_STEMS:
        if norm.startswith(stem) and norm[len(stem):] in ("e", "en", "em", "er", "es"):
            return ("dieser", stem, norm[len(stem):])
    return None


def _key(gender: str, number: str) -> tuple[str, str]:
    return ("plural", PL) if number == PL else (gender, SG)


def determiner_form(kind: str, stem: str, gender: str, number: str, case: str) -> str:
    key = _key(gender, number)
    if kind == "def":
        return DEFINITE[key][case]
    if kind == "ein":
        ending = EIN_ENDINGS[key][case]
        return "euer" if stem == "eur" and not ending else stem + ending
    return stem + DIESER_ENDINGS[key][case]


def adjective_ending(kind: str | None, gender: str, number: str, case: str) -> str:
    table = WEAK if kind in ("def", "dieser", "contraction") else MIXED if kind == "ein" else STRONG
    return table[_key(gender, number)][case]


def is_weak(noun: str) -> bool:
    return noun in WEAK_WORDS or noun.endswith(WEAK_SUFFIXES)


def feminine_number(noun: str, number: str) -> str:
    """A feminine noun in ``number`` (the lexicon may give the other one)."""
    for singular, plural in FEMININE_PLURALS:
        if number == PL and noun.endswith(singular) and not noun.endswith(plural):
            return noun[: len(noun) - len(singular)] + plural
        if number == SG and noun.endswith(plural):
            return noun[: len(noun) - len(plural)] + singular
    return noun


def is_feminine_plural(noun: str) -> bool:
    plurals = tuple(plural for _, plural in FEMININE_PLURALS)
    return noun.endswith(plurals) or noun[:-1].endswith(plurals) and noun.endswith("n") or noun in ("mädels",)


def dative_plural(noun: str) -> str:
    """Plural nouns end in -n in the dative ("den Ärzten", "den Müttern") unless they end in -n or -s."""
    return noun if noun.endswith(("n", "s")) else noun + "n"


def noun_form(noun: str, gender: str, number: str, case: str) -> str:
    """``noun`` (the lexicon's partner: a nominative singular or plural) in ``number`` and ``case``."""
    if gender == "feminine":
        noun = feminine_number(noun, number)
        return dative_plural(noun) if number == PL and case == "dat" else noun
    if number == PL:
        return dative_plural(noun) if case == "dat" else noun
    if case == "nom":
        return noun
    if noun == "herr":
        return "herrn"
    if is_weak(noun):
        return noun + ("n" if noun.endswith(("e", "er", "ar")) else "en")
    if case == "gen":
        return noun + ("es" if noun.endswith(GENITIVE_ES) or noun in GENITIVE_ES_WORDS else "s")
    return noun


def feminine_readings(noun: str) -> set[tuple[str, str]]:
    if is_feminine_plural(noun):
        cases = CASES if noun.endswith(("n", "s")) else ("nom", "acc", "gen")
        return {(PL, case) for case in cases}
    return {(SG, case) for case in CASES}


def masculine_readings(noun: str, partner: str) -> set[tuple[str, str]]:
    """The numbers and cases a masculine noun form may be in (``partner``: its feminine lexicon partner)."""
    oblique = {(SG, "acc"), (SG, "dat"), (SG, "gen")}
    if noun == "herrn":
        return oblique
    if noun == "herren":
        return {(PL, case) for case in CASES}
    weak_oblique = noun.endswith("n") and (is_weak(noun[:-1]) or (noun.endswith("en") and is_weak(noun[:-2])))
    if weak_oblique:
        return oblique | {(PL, case) for case in CASES}
    if is_feminine_plural(partner):
        if noun.endswith(("s", "oren")):
            return {(PL, case) for case in CASES}
        if noun.endswith("n"):
            return {(PL, "dat")}
        return {(PL, case) for case in ("nom", "acc", "gen")}
    if noun.endswith("s") and not noun.endswith("ss"):
        return {(SG, "gen")}
    if is_weak(noun):
        return {(SG, "nom")}
    readings = {(SG, case) for case in ("nom", "acc", "dat")}
    if noun.endswith(("er", "el")) and not noun.endswith(UMLAUT_PLURALS):  # "der Lehrer", "die Lehrer"
        readings |= {(PL, case) for case in ("nom", "acc", "gen")}
    return readings


def is_3sg_verb(word: Word) -> bool:
    norm = word.norm
    if _capital(word) or norm in NOT_VERBS or parse_determiner(norm) or norm in PREPOSITIONS:
        return False
    if norm in FINITE_3SG:
        return True
    return len(norm) > 2 and (norm.endswith("te") or (norm.endswith("t") and not norm.endswith("st")))


def is_plural_verb(word: Word) -> bool:
    norm = word.norm
    if _capital(word) or parse_determiner(norm) or norm in NOT_ADJECTIVES - {"haben", "hatten", "werden", "wurden",
                                                                            "bleiben", "wären", "hätten", "seien"}:
        return False
    return norm in PLURAL_VERBS or (norm.endswith("en") and norm not in PREPOSITIONS and norm not in QUANTIFIERS)


def is_adjective(word: Word) -> bool:
    norm = word.norm
    return (
        not _capital(word) and len(norm) > 2 and norm.isalpha() and norm.endswith(ADJECTIVE_ENDINGS)
        and norm not in NOT_ADJECTIVES and parse_determiner(norm) is None and norm not in PREPOSITIONS
        and norm not in QUANTIFIERS and norm not in COPULAS and norm not in CONTRACTIONS
    )


class German(Grammar):
    code = "de"

    def agree(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        return _Swap(words, terms, gender).edits()


class _Swap:
    """One text's swap: its terms, processed left to right."""

    def __init__(self, words: list[Word], terms: list[Term], gender: Gender):
        self.words, self.terms, self.target, self.source = words, terms, gender, OTHER[gender]
        self.term_at = {term.first: term for term in terms}
        self.out: dict[int, str] = {}
        self.resolved: dict[int, frozenset[str]] = {}  # noun index -> its case(s), for "X und Y"
        self.kept = 0  # terms that turned out not to be gendered ("sein" the verb)

    # --- helpers ---
    def norm(self, index: int) -> str:
        return self.words[index].norm if 0 <= index < len(self.words) else ""

    def starts_sentence(self, index: int) -> bool:
        """The first word of the text, or a capitalised word after punctuation."""
        return index == 0 or (_gap(self.words, index) >= 2 and _capital(self.words[index]))

    def clause_start(self, index: int) -> int:
        while index > 0 and _gap(self.words, index) < 2:
            index -= 1
        return index

    def _formal(self, index: int) -> bool:
        """A capitalised "Sie"/"Ihr..." inside a sentence is the formal "you"/"your"."""
        norm = self.norm(index)
        return (self.source == "feminine" and (norm == "sie" or norm.startswith("ihr")) and _capital(self.words[index])
                and not self.starts_sentence(index))

    # --- the swap ---
    def edits(self) -> list[Edit]:
        self._guard()
        nouns = [t for t in self.terms if not self._pronoun_like(t.first) and not self._adjective_term(t.first)]
        others = [t for t in self.terms if self._pronoun_like(t.first)]
        if self.source == "feminine":
            self.singular, self.plural = self._evidence()
        for term in nouns:
            self._noun(term)
        for term in others:
            if term.first not in self.out:
                self._pronoun(term)
        if self.kept == len(self.terms):
            raise Unsafe("no gendered word ('sein' is the verb)")
        return [Edit(index, index, text) for index, text in sorted(self.out.items())]

    def _guard(self) -> None:
        """Leave out a text whose nouns cannot be told (all capitals), or with a person word that agrees
        with the person but is no term: an unlisted compound or an adjectival noun."""
        words = self.words
        upper = [w for w in words if len(w.text) > 1 and w.text.isupper() and w.text.isalpha()]
        if len(upper) >= 3 and 2 * len(upper) >= len([w for w in words if w.text.isalpha()]):
            raise Unsafe("text in capitals: nouns and articles cannot be told apart")
        in_terms = {i for term in self.terms for i in range(term.first, term.last + 1)}
        suffixes = FEMININE_SUFFIXES if self.source == "feminine" else MASCULINE_SUFFIXES
        for index, word in enumerate(words):
            norm = word.norm
            if index in in_terms or not _capital(word):
                continue
            if norm not in NOT_FEMININE and any(norm.endswith(s) and len(norm) > len(s) for s in suffixes):
                raise Unsafe(f"'{word.text}': a {self.source} person noun that is not in the lexicon")
            stem = next((norm[: -len(e)] for e in ("er", "en", "em", "e") if norm.endswith(e)), None)
            if stem in ADJECTIVAL_STEMS and not self._adjective_before_noun(index) and not self._plural_at(index):
                raise Unsafe(f"'{word.text}': an adjectival noun that agrees with the person")

    def _adjective_before_noun(self, index: int) -> bool:
        """"Deutsche Bank", "Erste Hilfe": a capitalised adjective in a name, before its noun."""
        return index + 1 < len(self.words) and _gap(self.words, index + 1) < 2 and _capital(self.words[index + 1])

    def _plural_at(self, index: int) -> bool:
        """"vierzig Beschäftigte", "die Angestellten": an adjectival noun in the plural."""
        before = self.norm(index - 1) if index > 0 and _gap(self.words, index) < 2 else ""
        if self.norm(index).endswith(("er", "em")):
            return False  # "ein Angestellter", "seit 2012 Beamter", "einem Bekannten"... "-er"/"-em": singular
        if (before.isdigit() and len(before) < 4) or before in QUANTIFIERS or before.endswith(("zig", "hundert")):
            return True  # "vierzig Beschäftigte" (a four-digit number is a year: "seit 2012 Angestellte")
        return self.norm(index).endswith("en") and before in ("die", "alle", "keine", "meine", "unsere", "ihre",
                                                              "seine", "diese", "viele", "einige", "mehrere")

    def _pronoun_like(self, index: int) -> bool:
        norm = self.norm(index)
        parsed = parse_determiner(norm)
        return norm in ("sie", "er", "ihn", "ihm", "ihrerseits", "seinerseits") or (
            parsed is not None and parsed[1] in ("ihr", "sein") and parsed[0] == "ein"
        )

    def _adjective_term(self, index: int) -> bool:
        """"weiblich", "männliche", ...: swapped by the lexicon, ending kept, or inside a noun phrase."""
        return self.norm(index).startswith(("weiblich", "männlich"))

    def _evidence(self) -> tuple[bool, bool]:
        """Whether the text speaks of one woman (a singular noun, "sie" + a 3rd singular verb) and
        whether of several (a plural noun, "sie" + a plural verb): "ihre" is "her" only with the first
        and without the second."""
        singular = plural = False
        for term in self.terms:
            norm = self.norm(term.first)
            if norm == "ihr" and not self._before_noun(term.first) and term.first > 0 and \
                    _gap(self.words, term.first) < 2 and self.norm(term.first - 1) not in COORDINATORS | SUBORDINATORS:
                singular = True  # "vertraut ihr": dative, one woman
            elif norm == "sie" and term.first + 1 < len(self.words) and _gap(self.words, term.first + 1) < 2:
                following = self.words[term.first + 1]
                singular |= is_3sg_verb(following)
                plural |= is_plural_verb(following)
            elif not self._pronoun_like(term.first) and not self._adjective_term(term.first):
                if is_feminine_plural(norm):
                    plural = True
                else:
                    singular = True
        return singular, plural

    # --- noun phrases ---
    def _noun(self, term: Term) -> None:
        words, n = self.words, term.last
        norm, partner = self.norm(n), term.replacement or ""
        title = self._is_title(n)
        if norm == "frau" and self.source == "feminine" and title:
            partner = "herr"
        elif norm in ("herr", "herrn") and self.source == "masculine":
            partner = "frau" if title else "dame"
        if n > 0 and self.norm(n - 1) in ("frau", "herr", "herrn") and _gap(words, n) < 2 and not (
            n + 1 < len(words) and _capital(words[n + 1]) and _gap(words, n + 1) < 2
        ):
            raise Unsafe(f"'{words[n].text}' after a title may be a surname")
        readings = feminine_readings(norm) if self.source == "feminine" else masculine_readings(norm, partner)
        if self.source == "masculine" and norm in ("herr", "herrn") and title:
            readings = {(SG, "nom")} if norm == "herr" else {(SG, c) for c in ("acc", "dat", "gen")}
        det, kind, stem, adjectives, start = self._phrase(term.first)
        if det in self.term_at and self._formal(det):
            self.kept += 1  # "Ihre Tochter": your daughter; the possessive stays
        elif det in self.term_at and self.source == "feminine":  # "ihre Mutter": her, not their
            self._need_her(words[det])
        if det is None and not adjectives and self.source == "feminine" and norm in ("frau",) and n > 0 \
                and self.norm(n - 1) in ("herr", "herrn", "frau"):
            raise Unsafe(f"'{words[n].text}' after a title may be a surname")
        if title:  # "Frau Müllers Bewerbung": a genitive name would need "Herrn Müllers"
            run = n + 1
            while run + 1 < len(words) and _capital(words[run + 1]) and _gap(words, run + 1) == 1:
                if self.norm(run).endswith("s"):
                    raise Unsafe(f"'{words[n].text} {words[run].text}': a name in the genitive")
                run += 1
        if title and any(self.norm(i) not in SALUTATIONS for i in adjectives):
            raise Unsafe(f"adjective before the title '{words[n].text}'")
        context = self._context(start, n, kind, title)
        numbers = self._numbers(start, n, kind, adjectives)
        if det is None and not adjectives and not title:
            context = context - {"gen"}  # a genitive singular needs an article: "der Ärztin", not "Ärztin"
        candidates = [(num, case) for num, case in sorted(readings) if case in context and num in numbers
                      and self._matches(det, kind, stem, adjectives, num, case)]
        phrase = " ".join(w.text for w in words[start : n + 1])
        if not candidates:
            raise Unsafe(f"no agreeing reading of '{phrase}'")
        if det is not None and det > 0 and {num for num, _ in candidates} == {PL} and _gap(words, det) < 2 and (
            (parse_determiner(self.norm(det - 1)) or ("", "", ""))[0] in ("ein", "dieser")
        ):
            raise Unsafe(f"'{words[det - 1].text} {phrase}': a pronoun that agrees with the person")
        outcomes = {self._render(det, kind, stem, adjectives, n, partner, num, case) for num, case in candidates}
        if len(outcomes) > 1:
            raise Unsafe(f"case or number of '{phrase}' unclear")
        outcome = dict(outcomes.pop())
        for k in (n - 2, n + 2):  # "Kolleginnen und Kollegen": the swap would say one word twice
            if 0 <= k < len(words) and self.norm((n + k) // 2) in ("und", "oder") and self.norm(k) == outcome[n]:
                raise Unsafe(f"a paired form ('{words[min(n, k)].text} {words[(n + k) // 2].text} {words[max(n, k)].text}')")
        self._same_noun_twice(start, n, outcome[n])
        self.out.update(outcome)
        self.resolved[n] = frozenset(case for _, case in candidates)
        numbers = {num for num, _ in candidates}
        if numbers == {SG}:
            self._relative(n, title, {case for _, case in candidates})
            self._distant_relative(n)

    def _same_noun_twice(self, start: int, n: int, new: str) -> None:
        """"Ihre Tochter und ihr Sohn" -> "Sein Sohn und sein Sohn": a swapped noun coordinated with a
        noun of the other group (which is not swapped) that the swap would repeat; left out."""
        words = self.words
        for conjunction, step in ((n + 1, 1), (start - 1, -1)):
            if not (0 <= conjunction < len(words)) or self.norm(conjunction) not in ("und", "oder", "sowie"):
                continue
            k = conjunction + step
            while 0 <= k < len(words) and not _capital(words[k]) and (parse_determiner(self.norm(k)) or is_adjective(words[k])):
                k += step
            if 0 <= k < len(words) and k not in self.term_at and self.norm(k) == new:
                raise Unsafe(f"'{words[n].text}' would become '{words[k].text}', which the text already has beside it")

    def _numbers(self, start: int, n: int, kind: str | None, adjectives: list[int]) -> set[str]:
        """Singular when the noun phrase is the predicate of a singular copula ("er ist Lehrer"), or
        an "als" phrase in a clause whose verb is singular ("er arbeitet als Lehrer"), or is followed
        by a singular relative pronoun ("den Kollegen, der ..."); else either."""
        words = self.words
        after = n + 1
        if after < len(words) and _gap(words, after) >= 2 and not _capital(words[after]) and self.source == "masculine" \
                and self.norm(after) in ("der", "den", "dem", "dessen") and after + 1 < len(words) \
                and not _capital(words[after + 1]) and not parse_determiner(self.norm(after + 1)):
            return {SG}
        if kind is not None or adjectives or start == 0:
            return {SG, PL}
        before = self.norm(start - 1)
        if before in PREPOSITIONS and _gap(words, start) < 2:
            return {PL}  # "mit Kollegen": a singular count noun after a preposition has an article
        if before in COPULAS and before in FINITE_3SG | {"bleibt", "blieb"}:
            return {SG}
        if before == "als":
            first = self.clause_start(start - 1)
            last = n + 1
            while last < len(words) and _gap(words, last) < 2:
                last += 1
            clause = [w for i, w in enumerate(words[first:last], first) if i < start - 1 or i > n]
            if any(is_3sg_verb(w) for w in clause) and not any(is_plural_verb(w) for w in clause):
                return {SG}
        return {SG, PL}

    def _is_title(self, n: int) -> bool:
        """"Frau Müller", "Herr Dr. Weber": a title without article before a name."""
        if self.norm(n) not in ("frau", "herr", "herrn") or n + 1 >= len(self.words):
            return False
        before = self.norm(n - 1)
        return _capital(self.words[n + 1]) and _gap(self.words, n + 1) == 1 and not parse_determiner(before) \
            and before not in CONTRACTIONS

    def _phrase(self, first: int):
        """The determiner (index or None), its kind and stem, the adjectives and the first index of the
        noun phrase that ends with the noun at ``first``."""
        words, index, adjectives = self.words, first - 1, []
        while index >= 0:
            word, norm = words[index], self.norm(index)
            if _gap(words, index + 1) >= 2 and not (adjectives and is_adjective(word)):
                break
            if norm in CONTRACTIONS:
                return index, "contraction", norm, adjectives, index
            parsed = parse_determiner(norm)
            if parsed and (not _capital(word) or self.starts_sentence(index) or self._is_possessive_term(index)):
                return index, parsed[0], parsed[1], adjectives, index
            if norm in QUANTIFIERS:
                return index, "quantifier", norm, adjectives, index
            if is_adjective(word):
                adjectives.insert(0, index)
            elif adjectives and (norm in ADVERBS or (norm.endswith(ADVERB_SUFFIXES) and not _capital(word))):
                pass
            elif adjectives and norm in ("und", "oder") and index > 0 and is_adjective(words[index - 1]):
                pass
            else:
                break
            index -= 1
        # "wir danken Frau Müller", "sie leitete Teams": a word after a subject is its verb, not an adjective
        while adjectives and adjectives[0] > 0 and not self.starts_sentence(adjectives[0]) and (
            self.norm(adjectives[0] - 1) in NOMINATIVE_PRONOUNS | {"sie", "es", "ihr"}
            or (_capital(words[adjectives[0] - 1]) and not self.starts_sentence(adjectives[0] - 1))
        ):
            adjectives.pop(0)
        start = adjectives[0] if adjectives else first
        return None, None, "", adjectives, start

    def _is_possessive_term(self, index: int) -> bool:
        return index in self.term_at

    def _matches(self, det, kind, stem, adjectives, number, case) -> bool:
        """Whether the phrase's words are those of ``number`` and ``case`` in the source gender."""
        source = self.source
        if kind == "contraction":
            fused_gender = CONTRACTIONS[stem][1]
            if number != SG or case != "dat" or fused_gender != source:
                return False
        elif kind == "quantifier":
            if number != PL:
                return False
            ending = next((e for e in ADJECTIVE_ENDINGS if stem.endswith(e) and stem not in ("alle", "beide")), "")
            if stem.endswith("en") and case != "dat" or stem.endswith("er") and case != "gen":
                return False
            if stem.endswith("e") and ending == "e" and case == "dat":
                return False
        elif kind is not None:
            if determiner_form(kind, stem, source, number, case) != self.norm(det):
                return False
        strong = kind if kind != "quantifier" else (
            "def" if stem in ("alle", "allen", "aller", "beide", "beiden", "beider") else None)
        for index in adjectives:
            if not self.norm(index).endswith(adjective_ending(strong, source, number, case)):
                return False
        return True

    def _render(self, det, kind, stem, adjectives, n, partner, number, case) -> tuple[tuple[int, str], ...]:
        target, source = self.target, self.source
        out = []
        if kind == "contraction":
            preposition = CONTRACTIONS[stem][0]
            table = FEMININE_CONTRACTION if target == "feminine" else MASCULINE_CONTRACTION
            out.append((det, table.get(preposition, f"{preposition} dem")))
        elif kind not in (None, "quantifier"):
            new_stem = stem
            if det in self.term_at and stem == POSSESSIVE_STEM[source] and not self._formal(det):
                new_stem = POSSESSIVE_STEM[target]
            out.append((det, determiner_form(kind, new_stem, target, number, case)))
        strong = kind if kind != "quantifier" else (
            "def" if stem in ("alle", "allen", "aller", "beide", "beiden", "beider") else None)
        for index in adjectives:
            norm = self.norm(index)
            base = norm[: len(norm) - len(adjective_ending(strong, source, number, case))]
            if index in self.term_at and self.term_at[index].replacement:  # "weibliche" -> "männliche"
                replacement = self.term_at[index].replacement
                base = replacement[: len(replacement) - (len(norm) - len(base))]
            out.append((index, base + adjective_ending(strong, target, number, case)))
        out.append((n, noun_form(partner, target, number, case)))
        return tuple(out)

    def _context(self, start: int, n: int, kind: str | None, title: bool) -> frozenset[str]:
        """The cases the place of the noun phrase allows (all four when the rules cannot tell)."""
        words = self.words
        if kind == "contraction":
            return frozenset({"dat"})
        salutation = all(self.norm(i) in ("sehr",) for i in range(start))
        if self.starts_sentence(start) or (salutation and start > 0):
            return self._subject_at_start(n, title)
        if _gap(words, start) >= 2:
            return ALL
        left = start - 1
        before = self.norm(left)
        if before in PREPOSITION_CASES:
            return PREPOSITION_CASES[before]
        if before in ("als", "wie"):
            return self._as_case(left)
        k = left
        while k > 0 and self.norm(k) in ADVERBS and _gap(words, k) < 2:
            k -= 1
        if self.norm(k) in COPULAS:
            after = self._after_phrase(n, title)
            if self.norm(k) in FUTURE_AUXILIARIES and after is not None and is_plural_verb(words[after]):
                return ALL
            return frozenset({"nom"})
        if before in SUBORDINATORS and before != "wie":
            return frozenset({"nom"})
        if before in COORDINATORS and left - 1 in self.resolved and _gap(words, left) < 2:
            return self.resolved[left - 1]
        if before in HAVE and self._after_phrase(n, title) is None:
            return frozenset({"acc"})
        clause = self.clause_start(start)
        subject = self.norm(clause) in NOMINATIVE_PRONOUNS or (
            self.norm(clause) == "sie" and clause + 1 <= left and is_3sg_verb(words[clause + 1])
        )
        if subject and clause < left and before not in COORDINATORS:
            return frozenset({"acc", "dat", "gen"})  # "Wir empfehlen die Bewerberin": the subject came first
        if _capital(words[left]) and left > 0 and not self.starts_sentence(left) and (
            parse_determiner(self.norm(left - 1)) or is_adjective(words[left - 1])
        ):
            return frozenset({"gen"})  # "die Tochter einer Ärztin"
        return ALL

    def _after_phrase(self, n: int, title: bool) -> int | None:
        """The first word after the noun phrase of noun ``n`` (and its genitive or name), None at a
        clause end."""
        words, j = self.words, n + 1
        if title:
            while j < len(words) and _capital(words[j]):
                j += 1
        if j < len(words) and _gap(words, j) < 2:
            parsed = parse_determiner(self.norm(j))
            if parsed and self.norm(j) in ("der", "des", "eines", "einer") or (
                parsed and parsed[2] in ("er", "es") and parsed[0] != "def"
            ):
                j += 1
                while j < len(words) and is_adjective(words[j]) and _gap(words, j) < 2:
                    j += 1
                if j < len(words) and _capital(words[j]):
                    j += 1
        if j >= len(words) or _gap(words, j) >= 2:
            return None
        return j

    def _subject_at_start(self, n: int, title: bool) -> frozenset[str]:
        """A noun phrase that begins a sentence is its subject when a singular verb follows it, or, in
        "Die Ärztin und ihr Mann haben ...", when a verb follows the coordinated phrase."""
        words = self.words
        after = self._after_phrase(n, title)
        if after is None or is_3sg_verb(words[after]):
            return frozenset({"nom"})
        if self.norm(after) in ("und", "oder", "sowie"):
            j = after + 1
            while j < len(words) and _gap(words, j) < 2 and (
                _capital(words[j]) or parse_determiner(self.norm(j)) or is_adjective(words[j])
            ) and not is_plural_verb(words[j]):
                j += 1
            if j < len(words) and _gap(words, j) < 2 and (is_3sg_verb(words[j]) or is_plural_verb(words[j])):
                return frozenset({"nom"})
        return ALL

    def _as_case(self, left: int) -> frozenset[str]:
        """"als Ärztin": the case of the one it describes; taken as the subject's when the clause has no
        object before "als"."""
        unknown = frozenset({"nom", "acc", "dat"})
        if self.starts_sentence(left):
            return frozenset({"nom"})
        start = self.clause_start(left)
        if self.norm(start) not in NOMINATIVE_PRONOUNS | {"sie"}:
            return unknown
        objects = set()
        for k in range(start + 1, left):
            norm, word = self.norm(k), self.words[k]
            prev = self.norm(k - 1)
            if norm in ("ihn", "mich", "dich") or (norm == "sie" and not _capital(word)):
                objects.add("acc")  # "wir haben sie als Mitarbeiterin kennengelernt"
            elif norm in OBJECT_PRONOUNS or norm in ("es", "ihr"):
                return unknown
            elif parse_determiner(norm) and prev not in PREPOSITIONS:
                return unknown
            elif _capital(word) and prev not in PREPOSITIONS and not parse_determiner(prev) and not is_adjective(
                self.words[k - 1]
            ) and prev not in QUANTIFIERS and not prev.isdigit():
                return unknown
        return frozenset(objects) if len(objects) == 1 else unknown if objects else frozenset({"nom"})

    def _relative(self, n: int, title: bool, cases: set[str]) -> None:
        """"die Ärztin, die ..." <-> "der Arzt, der ...": the relative pronoun after a singular noun."""
        words, j = self.words, n + 1
        if title:
            while j < len(words) and _capital(words[j]) and _gap(words, j) < 2:
                j += 1
        if j >= len(words) or _gap(words, j) < 2 or j in self.out or _capital(words[j]):
            return
        norm = self.norm(j)
        forms = RELATIVES[self.source]
        if norm in PREPOSITION_CASES and j + 1 < len(words) and _gap(words, j + 1) < 2 and self.norm(j + 1) in forms:
            self._prepositional_relative(n, j, cases)  # "die Leiterin, mit der wir ..."
            return
        if norm not in forms:
            return
        if cases == {"gen"}:
            raise Unsafe(f"relative pronoun '{words[j].text}' after a genitive")
        following = words[j + 1] if j + 1 < len(words) else None
        if norm in ("dessen", "deren"):  # "der Arzt, dessen Praxis ...": the possessed noun follows
            self.out[j] = RELATIVE_FORMS[self.target]["gen"]
            return
        if following is None or _capital(following) or parse_determiner(following.norm) or is_adjective(following):
            raise Unsafe(f"'{words[j].text}' after '{words[n].text}': relative pronoun or article")
        options = set(forms[norm])
        if options == {"nom", "acc"}:
            if following.norm in NOMINATIVE_PRONOUNS:
                options = {"acc"}
            elif following.norm in SUBJECT_WORDS:
                raise Unsafe(f"relative pronoun '{words[j].text}': subject or object")
            else:
                options = {"nom"}
        (case,) = options
        self.out[j] = RELATIVE_FORMS[self.target][case]

    def _distant_relative(self, n: int) -> None:
        """"Wir haben eine Kandidatin gefunden, die ...": a relative pronoun of the noun's gender at a
        later clause of its sentence may belong to the noun (it would have to change) or to another
        noun ("eine Stelle ..., die"): left out."""
        words, forms = self.words, RELATIVES[self.source]
        for j in range(n + 2, len(words)):
            if self.starts_sentence(j):
                return
            if _gap(words, j) < 2 or j in self.out:
                continue
            pronoun = j + 1 if self.norm(j) in PREPOSITIONS and j + 1 < len(words) and _gap(words, j + 1) < 2 else j
            if self.norm(pronoun) not in forms or pronoun in self.out:
                continue
            following = words[pronoun + 1] if pronoun + 1 < len(words) else None
            if following is not None and (_capital(following) or parse_determiner(following.norm) or is_adjective(following)):
                continue  # an article: "..., die Arbeit ..."
            raise Unsafe(f"'{words[pronoun].text}' may be a relative pronoun of '{words[n].text}'")

    def _prepositional_relative(self, n: int, j: int, cases: set[str]) -> None:
        """"die Leiterin, mit der wir gesprochen haben" <-> "der Leiter, mit dem wir ...": the
        preposition gives the relative pronoun's case; an article ("mit der Praxis") is left out."""
        words, r = self.words, j + 1
        norm = self.norm(r)
        if cases == {"gen"}:
            raise Unsafe(f"relative pronoun '{words[r].text}' after a genitive")
        if norm in ("dessen", "deren"):  # "die Ärztin, mit deren Hilfe ..."
            self.out[r] = RELATIVE_FORMS[self.target]["gen"]
            return
        following = words[r + 1] if r + 1 < len(words) else None
        if following is None or _capital(following) or parse_determiner(following.norm) or is_adjective(following):
            raise Unsafe(f"'{words[j].text} {words[r].text}' after '{words[n].text}': relative pronoun or article")
        options = RELATIVES[self.source][norm] & PREPOSITION_CASES[self.norm(j)]
        if len(options) != 1:
            raise Unsafe(f"case of the relative pronoun in '{words[j].text} {words[r].text}' unclear")
        (case,) = options
        self.out[r] = RELATIVE_FORMS[self.target][case]

    # --- pronouns ---
    def _pronoun(self, term: Term) -> None:
        index = term.first
        word, norm = self.words[index], self.norm(index)
        if self._formal(index):
            self.out[index] = norm  # formal "Sie"/"Ihre" (you, your): not the person's gender
            self.kept += 1
            return
        if self.source == "masculine":
            self._masculine_pronoun(index, norm, term)
            return
        if norm == "sie":
            self.out[index] = self._sie(index)
        elif norm == "ihr":
            self._ihr(index)
        elif norm == "ihrerseits":
            self._need_her(word)
            self.out[index] = "seinerseits"
        else:  # ihre, ihren, ihrem, ihrer, ihres
            self._need_her(word)
            self.out[index] = "sein" + norm[3:]

    def _masculine_pronoun(self, index: int, norm: str, term: Term) -> None:
        if norm == "sein" and not self._before_noun(index):
            self.out[index] = "sein"  # the verb: "er wird zuverlässig sein"
            self.kept += 1
            return
        forms = {"er": "sie", "ihn": "sie", "ihm": "ihr", "seinerseits": "ihrerseits"}
        self.out[index] = forms.get(norm) or "ihr" + norm[4:]

    def _before_noun(self, index: int) -> bool:
        """A possessive stands before a noun, perhaps after adjectives ("ihr neues Auto")."""
        words, j = self.words, index + 1
        while j < len(words) and _gap(words, j) < 2:
            if _capital(words[j]):
                return True
            if not (is_adjective(words[j]) or words[j].norm in ADVERBS):
                return False
            j += 1
        return False

    def _need_her(self, word: Word) -> None:
        if self.plural or not self.singular:
            raise Unsafe(f"'{word.text}': her, their or formal your")

    def _ihr(self, index: int) -> None:
        words, word = self.words, self.words[index]
        if self._before_noun(index):
            self._need_her(word)
            if any(w.norm in DATIVE_VERBS for w in words):
                raise Unsafe(f"'{word.text}': her (possessive) or to her (dative)")
            self.out[index] = "sein"
            return
        before = self.norm(index - 1) if _gap(words, index) < 2 else ""
        if not before or before in COORDINATORS or before in SUBORDINATORS:
            raise Unsafe(f"'{word.text}' may be plural 'you'")
        if before in PREPOSITIONS and before not in DAT_PREPOSITIONS | TWO_WAY_PREPOSITIONS:
            raise Unsafe(f"'{word.text}' after '{before}'")
        self.out[index] = "ihm"

    def _infinitive_clause(self, index: int) -> bool:
        """The clause of word ``index`` is an infinitive clause: "zu haben/sein/werden", or it ends in
        "zu" + a word and the word after ``index`` is no known finite verb."""
        words, end = self.words, index + 1
        while end < len(words) and _gap(words, end) < 2:
            end += 1
        clause = [self.norm(k) for k in range(index + 1, end)]
        pairs = list(zip(clause, clause[1:]))
        if any(a == "zu" and b in ("haben", "sein", "werden", "lassen") for a, b in pairs):
            return True
        return len(clause) >= 3 and clause[-2] == "zu" and clause[0] not in FINITE_3SG

    def _sie(self, index: int) -> str:
        """"sie" as subject ("er") or object ("ihn"); she, not they or formal you."""
        words, word = self.words, self.words[index]
        following = words[index + 1] if index + 1 < len(words) and _gap(words, index + 1) < 2 else None
        before_index = index - 1 if index > 0 and _gap(words, index) < 2 else None
        before = self.norm(before_index) if before_index is not None else ""
        if following is not None and is_plural_verb(following):
            raise Unsafe(f"'{word.text}' with a plural verb (they or formal you)")
        if before in PREPOSITIONS:
            if before in ACC_PREPOSITIONS | TWO_WAY_PREPOSITIONS:
                self._need_her(word)
                return "ihn"
            raise Unsafe(f"'{word.text}' after '{before}'")
        third_singular = following is not None and is_3sg_verb(following)
        if before_index is None or before in COORDINATORS:  # a clause starts with "sie"
            if third_singular and index > 0 and not _capital(word) and self._infinitive_clause(index):
                # "Wir freuen uns, sie kennengelernt zu haben": a participle, not a verb; "sie" is an object
                raise Unsafe(f"'{word.text}' in an infinitive clause: object, her or them")
            if third_singular:
                return "er"
            raise Unsafe(f"'{word.text}': no third person singular verb next to it")
        if before in SUBORDINATORS:
            self._need_her(word)
            return "er"
        # "sie" after the finite verb: the subject when the clause begins with an adverbial
        # ("Seit 2015 leitet sie ..."), the object when it begins with a subject pronoun
        # ("Wir haben sie eingestellt").
        start = self.clause_start(index)
        first = self.norm(start)
        if first in NOMINATIVE_PRONOUNS and start < before_index:
            self._need_her(word)
            return "ihn"
        if is_3sg_verb(words[before_index]) and start < before_index and (
            first in PREPOSITIONS or first == "als" or (before_index - start == 1 and (first in TOPIC_ADVERBS or first.isdigit()))
        ):
            return "er"
        raise Unsafe(f"'{word.text}': subject or object")


GRAMMAR = German()
