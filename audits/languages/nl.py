"""Dutch agreement: what changes with a swapped person besides the lexicon's terms.

Dutch adjectives and articles do not agree with a person's sex, only with a noun's grammatical gender
(de-words and het-words), and nearly every person noun is a de-word: "de lerares" <-> "de leraar".
The exception is the neuter diminutive "meisje" against "jongen": "het meisje" <-> "de jongen", so
dit/deze, dat/die, ons/onze, elk/elke change too, an adjective after een/geen/elk takes or loses its
-e ("een lief meisje" <-> "een lieve jongen") and the relative pronoun follows ("het meisje dat" <->
"de jongen die").

Most of the work is deciding which reading a pronoun has:
- "ze"/"zij" are "she" or "they": the finite verb next to them decides (ze werkt / ze werken); a
  text where neither can be told (an object "ze" is "her" or "them") is left out;
- "haar" is the object "her" (-> hem) or the possessive (-> zijn): a following noun or inflected
  adjective makes it possessive, punctuation, an adverb, a preposition or a particle make it an object;
- "zijn" is "his" or the verb "to be": only the possessive becomes "haar".
A possessive with no other word for the person may be a thing's ("de bank en haar klanten"), "haar"
after an article or a hair word is "hair", and a noun whose partner the text already has would be
said twice: such texts are left out too. What the rules cannot tell raises ``Unsafe``. ``agree`` sees only the words, not the text between them:
one character between two words is taken as a space, more as punctuation.
"""

from __future__ import annotations

from .grammar import Edit, Gender, Grammar, Term, Unsafe, Word
from .grammar import punctuation_after as ends

# --- finite verbs: the number of a subject "ze"/"zij" --------------------------------------------
SINGULAR_VERBS = set("""is was heeft had kan kon wil wilde zal zou mag mocht moet moest wordt werd gaat ging komt kwam
doet deed staat stond blijft bleef krijgt kreeg werkt werkte woont woonde zoekt zocht spreekt sprak verdient verdiende
leidt leidde geeft gaf houdt hield vindt vond weet wist zegt zei kent kende betaalt betaalde solliciteert solliciteerde
beschikt voldoet studeert studeerde leert leerde begint begon helpt hielp zorgt zorgde bezit heeft beheert beheerde
verzorgt verzorgde geeft gaf runt runde draagt droeg schrijft schreef""".split())
PLURAL_VERBS = set("""zijn waren hebben hadden kunnen konden willen wilden zullen zouden mogen mochten moeten moesten
worden werden gaan gingen komen kwamen doen deden staan stonden blijven bleven krijgen kregen werken werkten wonen
woonden zoeken zochten spreken spraken verdienen verdienden leiden leidden geven gaven vinden vonden weten wisten
kennen kenden betalen betaalden studeren studeerden beginnen begonnen helpen hielpen zorgen zorgden""".split())
# Words ending in -t that are not verbs (the -t rule reads "ze werkt" as singular).
NOT_VERBS_T = set("het niet dat wat met tot uit echt net recht altijd toch zelfs eigenlijk vast dit tot ooit meest want".split())
CONJUNCTIONS = {"en", "maar", "want", "of", "dus", "noch"}
COMPLEMENTIZERS = set("dat omdat als toen terwijl doordat zodat nadat voordat sinds hoewel wanneer waar zodra tenzij indien mits".split())
# Words that open a main clause before an inverted verb ("Daarom werkt ze ...").
INTRO = set("""daarom daarna daarnaast bovendien momenteel tegenwoordig sindsdien toen nu ook verder vervolgens inmiddels
hier daar thuis dagelijks vroeger later eerder sinds in op bij na""".split())
SUBJECT_PRONOUNS = {"ik", "jij", "je", "hij", "zij", "ze", "wij", "we", "jullie", "u", "men"}

# --- haar: object or possessive -----------------------------------------------------------------
# After an object "haar": adverbs, prepositions, separable particles, conjunctions, participles.
OBJECT_NEXT = set("""al ook nog niet graag zeer erg heel van harte ten sinds gisteren vandaag persoonlijk hierbij daarom
altijd vaak nooit goed wel zelf meteen direct snel echt best enorm jaren lang eerder
aan voor op in met bij als om naar tot uit over door toe mee na tegen zonder achter terug af weg
en of maar want dat omdat
gezien gesproken ontmoet aangenomen gevraagd geholpen gebeld gemaild aanbevolen aangeraden ontslagen benoemd
gekozen gesteund gevolgd gecontacteerd uitgenodigd geïnterviewd beoordeeld betaald ingehuurd leren
aanbevelen aanraden aannemen helpen bellen steunen ontmoeten spreken vragen""".split())
# Nouns that follow a possessive in CVs, references and applications.
NOUN_HINTS = set("""werk baan functie rol carrière loopbaan opleiding diploma studie ervaring kennis vaardigheden inkomen
salaris lening hypotheek huis woning auto bedrijf team afdeling werkgever leidinggevende manager collega collega's
klanten kinderen kind ouders familie gezin partner naam leeftijd cv sollicitatie aanvraag motivatie inzet houding
gezondheid schulden spaargeld rekening contract stage taak taken verantwoordelijkheden prestaties werkzaamheden
eigen beide twee drie vier vorige huidige nieuwe oude geduld gedrag geld geboorte achtergrond bijdrage zaak winkel
praktijk vriendinnen vrienden man vrouw vader moeder zoon dochter broer zus vriend vriendin echtgenoot
echtgenote gezin zoontje dochtertje broertje zusje oom tante opa oma schoonmoeder schoonvader studies resultaten referenties baas cijfers opleidingen talenten kwaliteiten""".split())
# After "zijn" as a verb.
VERB_NEXT = set("""geweest gebleken geworden er niet geen erg zeer heel al nog ook allebei allemaal beiden samen
getrouwd gescheiden verhuisd tevreden blij bereid in op bij van voor met aan uit""".split())
BEFORE_VERB_ZIJN = SUBJECT_PRONOUNS - {"hij"} | set("""te zal zou kan moet wil mag zullen zouden kunnen moeten willen mogen
blijkt blijken lijkt lijken schijnt schijnen er""".split())
PREPOSITIONS = set("met van voor aan bij op in naar over door zonder tegen na om uit tot achter naast onder dan".split())
# "haar" is also "hair": after an article, a possessive or a hair word it is the noun ("lang haar",
# "zij knipt haar haar"), and the text is left out.
HAIR_BEFORE = set("""het een geen mijn jouw je zijn haar hun ons uw lang lange kort korte halflang rood rode blond blonde
bruin bruine zwart zwarte grijs grijze wit witte donker donkere licht lichte krullend steil dik dikke dun dunne geverfd
mooi mooie""".split())
# Words that point back to a thing as well as a person: a possessive "haar"/"zijn" in a text with one
# of these before it and no other word for the person may belong to the thing ("de bank en haar
# klanten", "het bedrijf en zijn klanten"), and the text is left out.
ARTICLES = {"de", "het", "deze", "dit"}

# --- het-words and de-words: meisje (het) <-> jongen (de) ----------------------------------------
NEUTER_TERMS = {"meisje", "dochtertje", "zoontje", "zusje", "broertje", "nichtje", "neefje"}
# (neuter, common) determiners; the invariant ones (een, geen, mijn, zo'n) need no row.
DETERMINERS = {"het": "de", "dit": "deze", "dat": "die", "ons": "onze", "elk": "elke", "ieder": "iedere", "welk": "welke", "zulk": "zulke"}
COMMON_DETERMINERS = {common: neuter for neuter, common in DETERMINERS.items()}
INVARIANT_DETERMINERS = {"een", "geen", "mijn", "jouw", "je", "zijn", "haar", "hun", "uw", "zo'n", "veel", "menig", "ieders"}
# After these a singular het-word's adjective has no -e ("een lief meisje"); after the others it has.
INDEFINITE = {"een", "geen", "elk", "elke", "ieder", "iedere", "welk", "welke", "zo'n", "zulk", "zulke", "veel", "menig"}
ADVERBS = set("heel erg zeer echt best bijzonder uiterst ontzettend zo te nogal vrij super enorm buitengewoon".split())
UNSTRESSED = ("ig", "lijk", "isch", "er", "en", "em", "baar")
DIGRAPHS = {"ee", "oo", "aa", "uu", "oe", "eu", "ou", "au", "ui", "ei", "ie", "ij"}
VOWELS = "aeiouyÿ"


def _unstressed(stem: str) -> bool:
    return stem.endswith(UNSTRESSED) or (stem.endswith("el") and len(stem) > 3 and stem[-3] not in VOWELS)


def inflect(adjective: str) -> str:
    """lief -> lieve, groot -> grote, slim -> slimme, aardig -> aardige, ervaren -> ervaren."""
    return _inflect(adjective.replace("ij", "ÿ")).replace("ÿ", "ij")  # ij is one vowel: grijs -> grijze


def _inflect(adjective: str) -> str:
    if adjective.endswith(("i", "ÿ")):
        return adjective + "e"  # mooi -> mooie, blij -> blije
    if adjective.endswith(("e", "en")) or adjective[-1:] in VOWELS:
        return adjective  # oranje, ervaren, sexy
    last, vowel_end = adjective[-1], len(adjective) - 1
    while vowel_end > 0 and adjective[vowel_end - 1] not in VOWELS:
        vowel_end -= 1
    if vowel_end < len(adjective) - 1:
        return adjective + "e"  # a consonant cluster: lang -> lange, getalenteerd -> getalenteerde
    vowel_start = vowel_end - 1
    while vowel_start > 0 and adjective[vowel_start - 1] in VOWELS:
        vowel_start -= 1
    vowels = adjective[vowel_start:vowel_end]
    long = len(vowels) >= 2 or vowels == "ÿ"
    if long:
        stem = adjective[:-1]
        if vowels[-2:] in {"aa", "ee", "oo", "uu"}:
            stem = adjective[: vowel_end - 1] + adjective[vowel_end:-1]
        return stem + {"f": "v", "s": "z"}.get(last, last) + "e"
    if _unstressed(adjective):
        return adjective + "e"
    return adjective + last + "e"  # slim -> slimme, wit -> witte


def uninflect(adjective: str) -> str:
    """lieve -> lief, grote -> groot, slimme -> slim, aardige -> aardig, ervaren -> ervaren."""
    if not adjective.endswith("e") or adjective.endswith("ie") and len(adjective) < 4:
        return adjective
    stem = adjective[:-1]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in VOWELS:
        return stem[:-1]  # slimme -> slim
    if stem[-1:] in VOWELS:
        return stem  # mooie -> mooi
    stem = stem[:-1] + {"v": "f", "z": "s"}.get(stem[-1], stem[-1])
    if len(stem) > 1 and stem[-2] in VOWELS and not _unstressed(stem) and stem[-2] in "aeou":
        before = stem[-3] if len(stem) > 2 else ""
        if before not in VOWELS or before + stem[-2] not in DIGRAPHS:
            stem = stem[:-1] + stem[-2] + stem[-1]  # grote -> groot, brave -> braaf
    return stem


def clause_start(words: list[Word], norms: list[str], index: int) -> bool:
    """Word ``index`` opens a clause: the text's first word, after punctuation, a conjunction or dat/omdat..."""
    return index == 0 or ends(words, index - 1) or norms[index - 1] in CONJUNCTIONS | COMPLEMENTIZERS


def finite(word: str, *, guess: bool) -> str | None:
    """"s" or "p" for a finite verb form; with ``guess``, a word in -t/-te/-de is taken as singular."""
    if word in SINGULAR_VERBS:
        return "s"
    if word in PLURAL_VERBS:
        return "p"
    if guess and word.isalpha() and len(word) >= 4 and word not in NOT_VERBS_T and word.endswith(("t", "te", "de")):
        return "s"
    return None


class Dutch(Grammar):
    code = "nl"

    def agree(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        norms = [word.norm for word in words]
        known = {term.first for term in terms}
        edits: list[Edit] = []
        if "wier" in norms or "wiens" in norms:
            raise Unsafe("'wier'/'wiens': a relative possessive whose antecedent the rules do not find")
        possessives = []  # possessive "haar"/"zijn": the person's, or a thing's ("het bedrijf en zijn klanten")
        for term in terms:
            text = " ".join(norms[term.first : term.last + 1])
            index = term.first
            if text in ("ze", "zij"):
                number = self._number(words, norms, index)
                if number is None:
                    raise Unsafe(f"'{text}': she or they")
                if number == "p":
                    edits.append(Edit(index, index, text))  # "they": not a term here
            elif text == "haar":
                if index > 0 and not ends(words, index - 1) and norms[index - 1] in HAIR_BEFORE:
                    raise Unsafe(f"'haar' after '{norms[index - 1]}': hair")
                possessive = self._possessive_haar(words, norms, index, known)
                edits.append(Edit(index, index, "zijn" if possessive else "hem"))
                if possessive:
                    possessives.append(index)
            elif text == "zijn":
                if self._verb_zijn(words, norms, index, known):
                    edits.append(Edit(index, index, "zijn"))  # the verb "to be"
                else:
                    possessives.append(index)
            replacement = term.replacement or text
            if (text in NEUTER_TERMS) != (replacement in NEUTER_TERMS):
                edits += self._het_de(words, norms, term, to_neuter=replacement in NEUTER_TERMS)
        self._thing_possessive(words, norms, terms, possessives)
        self._same_word_twice(words, norms, terms)
        return edits

    def _thing_possessive(self, words, norms, terms, possessives):
        """"De bank en haar klanten" -> "De bank en zijn klanten": with no other word for the person (a
        pronoun, a noun, an object "haar"), a possessive after an article may be a thing's."""
        person = any(t.first not in possessives and " ".join(norms[t.first : t.last + 1]) != "zijn" for t in terms)
        for index in possessives:  # (the verb "zijn" says nothing of a person; an object "haar" does)
            if not person and any(norm in ARTICLES for norm in norms[:index]):
                raise Unsafe(f"'{words[index].text}' may belong to a thing, not a person")

    def _same_word_twice(self, words, norms, terms):
        """"Mijn moeder ... en mijn vader ..." -> "Mijn vader ... en mijn vader ...": a noun whose partner
        the text already has (a term of the other group, which is not swapped) is left out."""
        covered = {i for term in terms for i in range(term.first, term.last + 1)}
        for term in terms:
            text = " ".join(norms[term.first : term.last + 1])
            if text in ("ze", "zij", "haar", "zijn", "hij", "hem") or not term.replacement:
                continue
            if any(norm == term.replacement for i, norm in enumerate(norms) if i not in covered):
                raise Unsafe(f"'{words[term.first].text}' would become '{term.replacement}', which the text already has")

    # -- pronouns ------------------------------------------------------------------------------
    def _number(self, words, norms, index):
        """"s" where ze/zij is "she", "p" where it is "they", None where the text cannot tell."""
        nxt = index + 1
        if clause_start(words, norms, index):
            if not ends(words, index) and (number := finite(norms[nxt], guess=True)):
                return number
            if index > 0 and norms[index - 1] in COMPLEMENTIZERS | CONJUNCTIONS:
                # a subordinate clause: its verb comes later ("omdat ze veel ervaring heeft")
                for later in range(nxt, min(nxt + 8, len(words))):
                    if ends(words, later - 1) or norms[later] in CONJUNCTIONS | COMPLEMENTIZERS:
                        break
                    if number := finite(norms[later], guess=False):
                        return number
            return None
        verb = index - 1
        if verb >= 1 and (clause_start(words, norms, verb) or norms[verb - 1].isdigit() or norms[verb - 1] in INTRO) or verb == 0:
            return finite(norms[verb], guess=True)  # "Sinds 2015 werkt ze", "Heeft ze ..."
        return None

    def _possessive_haar(self, words, norms, index, known):
        """True where "haar" is possessive ("haar man"), False where it is an object ("ken haar")."""
        nxt = index + 1
        if ends(words, index):
            return False
        following = norms[nxt]
        if nxt in known or following in NOUN_HINTS or following.isdigit():
            return True
        if following in OBJECT_NEXT or following in SINGULAR_VERBS or following in PLURAL_VERBS:
            return False  # "ken haar al", "van haar is"
        if following.endswith("e") and not ends(words, nxt) and not words[nxt].text[:1].isupper():
            return True  # an inflected adjective before a noun: "haar grote ervaring"
        raise Unsafe("'haar': object or possessive")

    def _verb_zijn(self, words, norms, index, known):
        """True where "zijn" is the verb "to be", False where it is "his"; where both readings have
        evidence ("dat zijn ouders zijn zaak ...") the text is left out."""
        nxt = index + 1
        previous = norms[index - 1] if index > 0 and not ends(words, index - 1) else None
        following = norms[nxt] if nxt < len(words) else ""
        verb = (
            previous in BEFORE_VERB_ZIJN
            or ends(words, index)
            or following in VERB_NEXT
            or (previous is not None and (index - 1 in known or previous in NOUN_HINTS))  # "mijn oom zijn ..."
            or (following.startswith("ge") and following.endswith(("d", "t", "en")) and following not in NOUN_HINTS)  # "zijn gepensioneerd"
        )
        possessive = not ends(words, index) and (
            nxt in known
            or following in NOUN_HINTS
            or following.isdigit()
            or previous in PREPOSITIONS
            or (following.endswith("e") and not ends(words, nxt) and not words[nxt].text[:1].isupper())  # "zijn nieuwe werkgever"
            or (previous is None and not words[nxt].text[:1].isupper() and following not in VERB_NEXT)  # "Zijn vader is ..."
        )
        if verb != possessive:
            return verb
        raise Unsafe("'zijn': his or the verb to be")

    # -- het-words and de-words ----------------------------------------------------------------
    def _het_de(self, words, norms, term, *, to_neuter):
        """"het lieve meisje" <-> "de lieve jongen", "een lief meisje" <-> "een lieve jongen",
        "het meisje dat" <-> "de jongen die"."""
        edits, adjectives, index = [], [], term.first - 1
        while index >= 0 and not ends(words, index) and len(adjectives) < 4:
            word = norms[index]
            if word in DETERMINERS or word in COMMON_DETERMINERS or word in INVARIANT_DETERMINERS:
                break
            if not word.isalpha() or words[index].text[:1].isupper():
                index = -1
                break
            adjectives.append(index)
            index -= 1
        else:
            if adjectives:
                raise Unsafe("adjectives before 'meisje'/'jongen' without a determiner")
            index = -1
        if index >= 0 and not ends(words, index):
            word = norms[index]
            table = COMMON_DETERMINERS if to_neuter else DETERMINERS
            if word in table:
                edits.append(Edit(index, index, table[word]))
            elif word in (DETERMINERS if to_neuter else COMMON_DETERMINERS):
                raise Unsafe(f"'{word}' does not agree with '{norms[term.first]}'")
            if word in INDEFINITE:
                for adjective in adjectives:
                    if norms[adjective] in ADVERBS:
                        continue
                    form = uninflect(norms[adjective]) if to_neuter else inflect(norms[adjective])
                    if form != norms[adjective]:
                        edits.append(Edit(adjective, adjective, form))
        elif adjectives:
            raise Unsafe("adjectives before 'meisje'/'jongen' without a determiner")
        after = term.last + 1
        if after < len(words) and words[after].start - words[term.last].end <= 2:
            relative = {"die": "dat"} if to_neuter else {"dat": "die"}
            if norms[after] in relative:
                edits.append(Edit(after, after, relative[norms[after]]))
        return edits


GRAMMAR = Dutch()
