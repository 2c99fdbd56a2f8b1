"""Italian agreement: what changes with a swapped person besides the lexicon's terms.

An Italian noun phrase agrees in gender and number: "la brava infermiera" <-> "il bravo infermiere".
The article and a few determiners also change with the SOUND of the next word: il/lo/l', un/uno/un',
del/dello/dell', quel/quello/quell', bel/bello/bell'. So a noun phrase is rebuilt from the noun
leftwards, each word taking the form its new neighbour needs ("la zia" -> "lo zio", "un'amica" ->
"un amico", "l'avvocata" -> "l'avvocato").

What agrees, and is changed:
- before a swapped noun: articles, articulated prepositions, demonstratives, possessives (they agree
  with the possessed noun: "sua madre" -> "suo padre"), quantifiers and the prenominal adjectives of
  ``PRENOMINAL``, and an adjective between a determiner and the noun;
- after it: adjectives and participles ("una madre separata e molto attenta");
- after a copula whose subject is a swapped pronoun or noun, or an unnamed subject that can only be
  the person: predicate adjectives and participles ("lei è stata promossa" -> "lui è stato promosso").

Adjectives are recognised by table or by a regular ending (-ato/-ito/-uto/-oso/-ivo participles and
adjectives; -ale/-ile/-ente/-ante are the same in both genders); a word that is neither is not an
adjective, so a verb ("la candidata lavora") ends the phrase. A text whose form cannot be told is left
out with ``Unsafe``: an object pronoun that stands for the person (la/lo/le/gli before a verb,
"l'ho", "assumerla"), the polite "Lei", a masculine term after a feminine plural article ("le
infermiere" is the plural of "infermiera"), a predicate whose subject is another noun of the same
gender ("la casa della candidata è stata venduta") or a dropped subject when another noun could be it.

``agree`` sees only the words, not the text between them: one character between two words is taken
as a space, more as punctuation (a phrase is not continued across it).
"""

from __future__ import annotations

import re

from .grammar import Edit, Gender, Grammar, Term, Unsafe, Word
from .grammar import punctuation_after as ends

G = {"feminine": "f", "masculine": "m"}
CELLS = (("m", "s"), ("f", "s"), ("m", "p"), ("f", "p"))

# --- sound of the next word -------------------------------------------------------------------
VOWELS = "aeiouàèéìíòóùúh"  # h: "l'hostess", "un'hostess"


def sound(word: str) -> str:
    """"v" before a vowel (l', un', dell'), "z" where the masculine takes lo/uno/gli (s + consonant,
    z, gn, ps, pn, x, y), "c" before other consonants."""
    if word[:1] in VOWELS:
        return "v"
    if word[:1] in "zxy" or word.startswith(("gn", "ps", "pn")) or (word[:1] == "s" and word[1:2] and word[1] not in VOWELS):
        return "z"
    return "c"


# --- determiners: each cell (gender, number) gives the form before a "c", "z" or "v" sound ------------
def _l_family(prefix: str) -> dict:
    """The definite article and the words built on it (del, al, dal, nel, sul, quel, bel)."""
    if prefix == "":
        return {("m", "s"): ("il", "lo", "l'"), ("f", "s"): ("la", "la", "l'"), ("m", "p"): ("i", "gli", "gli"), ("f", "p"): ("le",) * 3}
    p = prefix
    return {
        ("m", "s"): (p + "l", p + "llo", p + "ll'"),
        ("f", "s"): (p + "lla", p + "lla", p + "ll'"),
        ("m", "p"): (p + "i", p + "gli", p + "gli"),
        ("f", "p"): (p + "lle",) * 3,
    }


def _un_family(stem: str, plural: tuple[str, str] | None = None) -> dict:
    """un/uno/una/un' and nessun/alcun/ciascun, built the same way."""
    cells = {("m", "s"): (stem, stem + "o", stem), ("f", "s"): (stem + "a", stem + "a", stem + "'")}
    if plural:
        cells[("m", "p")], cells[("f", "p")] = (plural[0],) * 3, (plural[1],) * 3
    return cells


def _plain(ms: str, fs: str, mp: str, fp: str) -> dict:
    """A word whose form does not depend on the next sound."""
    return {("m", "s"): (ms,) * 3, ("f", "s"): (fs,) * 3, ("m", "p"): (mp,) * 3, ("f", "p"): (fp,) * 3}


DETERMINERS: dict[str, dict] = {
    "il": _l_family(""),
    **{name: _l_family(prefix) for name, prefix in {"del": "de", "al": "a", "dal": "da", "nel": "ne", "sul": "su", "quel": "que"}.items()},
    "un": _un_family("un"),
    "nessun": _un_family("nessun"),
    "ciascun": _un_family("ciascun"),
    "alcun": _un_family("alcun", ("alcuni", "alcune")),
    "questo": {("m", "s"): ("questo", "questo", "quest'"), ("f", "s"): ("questa", "questa", "quest'"), ("m", "p"): ("questi",) * 3, ("f", "p"): ("queste",) * 3},
    "codesto": _plain("codesto", "codesta", "codesti", "codeste"),
}
# Words that agree with the noun and stand between the determiner and it (or are the determiner).
PRENOMINAL: dict[str, dict] = {
    "bel": _l_family("be"),
    "buono": {("m", "s"): ("buon", "buono", "buon"), ("f", "s"): ("buona", "buona", "buon'"), ("m", "p"): ("buoni",) * 3, ("f", "p"): ("buone",) * 3},
    **{
        ms: _plain(ms, fs, mp, fp)
        for ms, fs, mp, fp in (
            line.split()
            for line in """mio mia miei mie|tuo tua tuoi tue|suo sua suoi sue|nostro nostra nostri nostre
            |vostro vostra vostri vostre|proprio propria propri proprie|altro altra altri altre
            |stesso stessa stessi stesse|nuovo nuova nuovi nuove|vecchio vecchia vecchi vecchie
            |caro cara cari care|bravo brava bravi brave|vero vera veri vere|ottimo ottima ottimi ottime
            |unico unica unici uniche|primo prima primi prime|ultimo ultima ultimi ultime
            |solo sola soli sole|povero povera poveri povere|piccolo piccola piccoli piccole
            |futuro futura futuri future|certo certa certi certe|molto molta molti molte
            |poco poca pochi poche|tanto tanta tanti tante|troppo troppa troppi troppe
            |diverso diversa diversi diverse|vario varia vari varie|secondo seconda secondi seconde
            |giovane giovane giovani giovani|migliore migliore migliori migliori|maggiore maggiore maggiori maggiori
            |minore minore minori minori|grande grande grandi grandi|attuale attuale attuali attuali
            |ex ex ex ex|due due due due|tre tre tre tre|quattro quattro quattro quattro
            |cinque cinque cinque cinque|ogni ogni ogni ogni|qualche qualche qualche qualche""".split("|")
        )
    },
}
# Before the article: "tutte le candidate" -> "tutti i candidati".
PREDETERMINERS = {"tutto": _plain("tutto", "tutta", "tutti", "tutte"), "entrambi": _plain("entrambi", "entrambe", "entrambi", "entrambe")}
# The articulated preposition forms: a phrase that starts with one is inside a prepositional phrase.
ARTICULATED = {name for name in ("del", "al", "dal", "nel", "sul")}
PREPOSITIONS = {"di", "a", "da", "in", "con", "su", "per", "tra", "fra", "verso", "senza", "presso", "d'"}


def _index(tables: dict[str, dict]) -> dict[str, list[tuple[str, str, str, int]]]:
    """form -> [(table entry, gender, number, sound index)] over every cell."""
    found: dict[str, list] = {}
    for name, cells in tables.items():
        for (g, n), forms in cells.items():
            for s, form in enumerate(forms):
                found.setdefault(form, []).append((name, g, n, s))
    return found


DETERMINER_FORMS = _index(DETERMINERS)
PRENOMINAL_FORMS = _index(PRENOMINAL)
PREDETERMINER_FORMS = _index(PREDETERMINERS)
SOUND_INDEX = {"c": 0, "z": 1, "v": 2}

# --- adjectives and participles --------------------------------------------------------------
# Adjectives in -o/-a/-i/-e common in CVs and references (the participles in -ato/-ito/-uto and the
# adjectives in -oso/-ivo are found by their ending). Masculine singular; the rest by rule.
ADJECTIVES = """
bravo onesto serio preciso attento pronto esperto colto dotato preparato motivato qualificato
sposato divorziato separato fidanzato single vedovo solo stesso nuovo vecchio giovane anziano alto
basso magro grasso sano malato stanco ricco povero contento felice sicuro certo libero occupato
disoccupato impegnato ordinato organizzato creativo produttivo autonomo ambizioso curioso
scrupoloso meticoloso coscienzioso gentile simpatico dinamico pratico tecnico energico empatico
entusiasta ottimista perfezionista italiano straniero europeo americano cinese tedesco francese
spagnolo inglese ebreo cattolico musulmano cristiano orgoglioso soddisfatto grato generoso calmo
tranquillo severo diretto corretto puntuale affidabile disponibile responsabile competente capace
cortese brillante eccellente intelligente indipendente paziente efficiente veloce abile forte
pieno lieto fiero nato morto promosso assunto scelto messo preso eletto descritto scritto rimasto
iscritto incluso escluso coinvolto convinto soddisfatto sorpreso dimesso sospeso ammesso permesso
giunto divenuto cresciuto conosciuto stimato apprezzato amato rispettato impiegato pensionato
laureato diplomato abilitato specializzato certificato incinto unico ottimo buono bello caro vero
biondo bruno moro sincero allegro timido pigro lento rapido esatto perfetto adatto idoneo fedele
maturo sveglio furbo saggio deciso discreto modesto schietto tenace riservato
""".split()
# -a/-i adjectives that are the same in both genders in the singular (plural -i/-e).
ISTA = re.compile(r"(ist|ast|it)(a|i|e)$")
# Suffixes of -o/-a/-i/-e adjectives and participles; -ale/-ile/-ente/-ante ones are the same in both
# genders (they are passed over in a chain of adjectives, never changed).
O_SUFFIX = re.compile(r"^..+(at|it|ut|os|iv|ic)([oaie])$")
E_SUFFIX = re.compile(r"^..+(al|il|ent|ant|bil|evol|ese|ace|ice)([ei])$")
# Nouns and other words with an adjective's ending that can follow a noun or a copula.
NOT_ADJECTIVES = set("""
vita gita dita matita partita salita uscita ferita data dato mercato risultato senato reato
mandato lato sito credito debito reddito merito deposito invito esito spirito requisito
marito avvocato candidato impiegato pensionato deputato addetto fidanzato
minuto istituto statuto contributo saluto rifiuto aiuto tributo musica fabbrica politica pratica
tecnica critica clinica grafica logica informatica chimica fisica medico tecnico politico
chimico fisico fabbrica replica risposta capo socio membro
""".split()) - {"pratico", "tecnico"}
INVARIANT_E = {"giovane", "felice", "single", "puntuale", "affidabile", "disponibile", "responsabile", "competente", "capace", "cortese",
               "brillante", "eccellente", "intelligente", "indipendente", "paziente", "efficiente", "veloce", "abile", "forte", "gentile",
               "francese", "inglese", "cinese"}


def _o_forms(ms: str) -> tuple[str, str, str, str]:
    """bravo -> brava, bravi, brave; stanco -> stanchi, stanche; simpatico -> simpatici, -che; vecchio -> vecchi."""
    stem = ms[:-1]
    if ms.endswith("ico") and len(ms) > 5:
        return ms, stem + "a", stem + "i", stem + "he"
    if ms.endswith(("co", "go")):
        return ms, stem + "a", stem + "hi", stem + "he"
    if ms.endswith("io"):
        return ms, stem + "a", stem, stem + "e"
    return ms, stem + "a", stem + "i", stem + "e"


def _adjective_cells(ms: str) -> dict:
    if ms in INVARIANT_E:
        return _plain(ms, ms, ms[:-1] + "i", ms[:-1] + "i")
    if ms.endswith("ista") or ms == "entusiasta":
        return _plain(ms, ms, ms[:-1] + "i", ms[:-1] + "e")
    return _plain(*_o_forms(ms))


ADJECTIVE_FORMS = _index({ms: _adjective_cells(ms) for ms in ADJECTIVES} | {ms: cells for ms, cells in PRENOMINAL.items() if ms not in {"due", "tre", "quattro", "cinque", "ogni", "qualche", "ex", "bel", "buono"}} | {"buono": _plain("buono", "buona", "buoni", "buone"), "bello": _plain("bello", "bella", "belli", "belle")})


def adjective(form: str) -> dict | None:
    """The paradigm of an adjective or participle form ({(gender, number): (forms,)}), or None."""
    if form in ADJECTIVE_FORMS:
        name = ADJECTIVE_FORMS[form][0][0]
        return {"buono": _plain("buono", "buona", "buoni", "buone"), "bello": _plain("bello", "bella", "belli", "belle")}.get(name) or (
            _adjective_cells(name) if name in ADJECTIVES else PRENOMINAL[name]
        )
    if form in NOT_ADJECTIVES:
        return None
    if form.endswith(("trice", "tore", "trici", "tori")) and len(form) > 6:
        stem = form[: -len(next(e for e in ("trice", "trici", "tore", "tori") if form.endswith(e)))]
        return _plain(stem + "tore", stem + "trice", stem + "tori", stem + "trici")
    if (match := E_SUFFIX.match(form)) is not None:
        return _plain(*(form[:-1] + ending for ending in "eeii"))
    if ISTA.search(form) and form.endswith(("ista", "isti", "iste")):
        return _plain(form[:-1] + "a", form[:-1] + "a", form[:-1] + "i", form[:-1] + "e")
    if re.search(r"..issim[oaie]$", form):  # "bravissima" -> "bravissimo"
        return _plain(*_o_forms(form[:-1] + "o"))
    if (match := O_SUFFIX.match(form)) is not None:
        if match.group(1) == "ic":
            if form.endswith("che"):
                return _plain(*_o_forms(form[:-3] + "o"))
            if form.endswith("ci"):
                return _plain(*_o_forms(form[:-2] + "o"))
        return _plain(*_o_forms(form[:-1] + "o"))
    if form.endswith("che") and len(form) > 5 and form[:-3] + "o" in ADJECTIVES:
        return _plain(*_o_forms(form[:-3] + "o"))
    return None


# --- the clause --------------------------------------------------------------------------------
COPULAS = {
    **dict.fromkeys("è era sarà sia fosse sarebbe fu resta rimane sembra appare risulta diventa viene sente torna".split(), "s"),
    **dict.fromkeys("sono erano saranno siano fossero sarebbero furono restano rimangono sembrano appaiono risultano diventano vengono sentono".split(), "p"),
}
CLITICS = {"si", "ci", "ne", "mi", "ti", "vi"}
ADVERBS = set("""non molto sempre anche già ancora mai più meno così tanto assai davvero veramente particolarmente
estremamente abbastanza piuttosto troppo poco ben bene spesso ora oggi appena quasi sicuramente certamente
inoltre finalmente regolarmente ufficialmente recentemente pure poi tuttora infine subito""".split())
AND = {"e", "ed", "o", "ma", "oppure", "né"}
# Words after which a copula's subject is the unnamed (dropped) subject of the clause.
CLAUSE_STARTS = AND | {"poi", "quindi", "perché", "poiché", "quando", "dove", "se", "mentre", "anche", "inoltre", "infatti", "però", "dunque"}
RELATIVE = {"che", "cui", "quale"}
PRONOUNS = {"lei", "lui", "ella", "egli"}
# The ending of an adjective in each (gender, number): an unknown word with the old one where an adjective
# is expected may agree with the person.
ENDING = {("f", "s"): "a", ("f", "p"): "e", ("m", "s"): "o", ("m", "p"): "i"}
# Words that end a chain of adjectives: possessives and quantifiers start a new noun phrase
# ("una collaboratrice preziosa, sua sorella ...").
NOT_IN_CHAIN = {form for name in ("mio", "tuo", "suo", "nostro", "vostro", "proprio", "altro", "molto", "poco", "tanto", "troppo")
                for row in PRENOMINAL[name].values() for form in row} - {"molto", "poco", "tanto", "troppo"}
# Terms that are adjectives: nothing agrees with them.
ADJECTIVE_TERMS = {"femminile", "maschile", "femminili", "maschili", "nubile", "celibe"}
# Words that are not adjectives although they end like one.
FUNCTION_WORDS = set(DETERMINER_FORMS) | set(PRENOMINAL_FORMS) | PREPOSITIONS | CLITICS | RELATIVE | AND | set(COPULAS) \
    | PRONOUNS | CLAUSE_STARTS | ADVERBS | set("""ha hanno aveva avevano come ora sempre qui lì là dopo prima contro sopra sotto
    dentro fuori circa oltre insieme ancora anzi ovvero ossia cioè nessuna nessuno alcuna alcuno qualcuna qualcuno
    ciascuna ciascuno ognuna ognuno""".split())
# Participles of copulas, less their ending: "è stata la responsabile".
COPULA_PARTICIPLES = {"stat", "diventat", "divenut", "rimast", "risultat", "sembrat", "tornat"}
# Nouns of one gender used for anyone: "lei è una persona speciale", "lui è un punto di riferimento".
FIXED_GENDER = set("""persona persone figura figure risorsa risorse guida vittima star personalità presenza punto esempio
modello talento elemento membro genio riferimento pilastro valore""".split())
# Nouns of common gender: only their article or adjective shows the person's gender ("la
# richiedente", "un'ottima insegnante"); where one does, it is swapped with the rest of the text.
COMMON_GENDER = set("""richiedente cliente collega insegnante docente dirigente presidente nipote giudice titolare
dipendente consulente assistente cantante agente utente interprete custode badante psichiatra pediatra dentista
farmacista giornalista artista barista commercialista economista analista specialista tassista autista musicista
atleta geometra manager partner designer single""".split())
# Masculine titles that drop their -e before a name ("il signor Rossi", "il dottor Bianchi").
TRUNCATED = {"signore": "signor", "dottore": "dottor", "professore": "professor"}
# The masculine singular role nouns in -iere are also the feminine plural of their -iera partner.
IERE = re.compile(r"iere$")
# Object pronouns: before one of these verbs la/le/lo/gli/l' stand for a person, not a noun phrase.
AVERE = set("ho hai ha abbiamo avete hanno avevo aveva avevamo avevano avrei avrebbe avremmo avrà".split())
CLITIC_VERBS = AVERE | set("""conosco conosciamo conosce conoscono raccomando raccomandiamo consiglio consigliamo ringrazio
ringraziamo considero consideriamo considera stimo stimiamo vedo vediamo vede assumerei assumeremmo assumo assumiamo
chiamo chiamiamo chiama chiamano descrivo descriviamo definisco definiamo ricordo apprezzo apprezziamo trovo troviamo
reputo riteniamo ritengo aiuto aiutiamo aiuta sostengo sosteniamo pago paghiamo invito invitiamo contatto contattiamo
contatteremo segnalo segnaliamo presento presentiamo auguro auguriamo offro offriamo chiedo chiediamo piace piacciono
è sarà sono""".split())
ENCLITIC = re.compile(r"^.{3,}(?:[aei]r|ndo)(?:la|le|lo|gli)$")


class Italian(Grammar):
    code = "it"

    def swap(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        """As ``Grammar.swap``, but an edit may span an elided word and the next one ("un'amica" ->
        "un amico"): the edits it covers are dropped."""
        edits = super().swap(words, terms, gender)
        covered = {index for edit in edits for index in range(edit.first + 1, edit.last + 1)}
        return [edit for edit in edits if edit.first not in covered]

    def agree(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        new, old = G[gender], "m" if G[gender] == "f" else "f"
        norms = [word.norm for word in words]
        term_at = {term.last: term for term in terms}
        in_term = {index for term in terms for index in range(term.first, term.last + 1)}
        self._terms = in_term
        forms: dict[int, str] = {}  # word index -> its new form
        phrase_words: set[int] = set()  # words that belong to a swapped term's noun phrase
        number: dict[int, str] = {}  # term last index -> "s"/"p"

        for term in self._common_gender(words, norms, in_term, old, new):
            number[term.last] = "s"
            term_at[term.last] = term
            self._left(words, norms, term, norms[term.first], old, new, "s", forms, phrase_words)
            phrase_words.add(term.first)
            self._right(words, norms, term.last, old, new, "s", forms, phrase_words)
        for term in terms:
            text = " ".join(norms[term.first : term.last + 1])
            replacement = term.replacement or text
            n = "s" if text in PRONOUNS or not (text.endswith("i") or replacement.endswith("i")) else "p"
            number[term.last] = n
            if text == "lei" and words[term.first].text == "Lei" and term.first > 0:
                raise Unsafe("capitalised Lei: she or the polite you")
            if text in PRONOUNS or text in ADJECTIVE_TERMS:
                forms[term.first] = replacement
                continue
            after = term.last + 1
            if new == "m" and replacement in TRUNCATED and after < len(words) and words[after].text[:1].isupper() and not ends(words, term.last):
                replacement = TRUNCATED[replacement]  # "la signora Rossi" -> "il signor Rossi"
            forms[term.first] = replacement
            phrase_words.update(range(term.first, term.last + 1))
            if new == "f" and IERE.search(text):
                self._check_iere(words, norms, term)
            self._left(words, norms, term, replacement, old, new, n, forms, phrase_words)
            self._right(words, norms, term.last, old, new, n, forms, phrase_words)

        self._predicates(words, norms, terms, term_at, in_term, old, new, number, forms, phrase_words)
        self._object_pronouns(words, norms, old)
        for index in range(1, len(words)):
            if norms[index - 1] == "da" and norms[index] in {form for (g, _), row in PRENOMINAL["solo"].items() if g == old for form in row} \
                    and index not in forms:
                raise Unsafe(f"'da {norms[index]}' may agree with the person")
        cells = adjective(norms[0]) if words and 0 not in in_term and 0 not in forms else None
        if cells and (old, "s") in {(g, n) for (g, n), row in cells.items() if norms[0] in row} and cells[(old, "s")] != cells[(new, "s")]:
            raise Unsafe(f"'{norms[0]}' without a noun")
        return self._edits(words, terms, forms)

    def _common_gender(self, words, norms, in_term, old, new):
        """Common-gender nouns whose determiners and adjectives before them all show the old gender."""
        found = []
        for index, word in enumerate(norms):
            if word not in COMMON_GENDER or index in in_term:
                continue
            before, marked = index - 1, False
            while before >= 0 and not ends(words, before) and (norms[before] in DETERMINER_FORMS or norms[before] in PRENOMINAL_FORMS):
                cells = {(g, n) for _, g, n, _ in DETERMINER_FORMS.get(norms[before], []) + PRENOMINAL_FORMS.get(norms[before], [])}
                if (old, "s") not in cells:
                    marked = False
                    break
                marked = marked or (new, "s") not in cells
                before -= 1
            if marked:
                found.append(Term(index, index, word))
        return found

    # -- noun phrase ---------------------------------------------------------------------------
    def _check_iere(self, words, norms, term):
        """"le infermiere" is the feminine plural of "infermiera", not the masculine "infermiere"."""
        for index in range(term.first - 1, max(term.first - 4, -1), -1):
            if ends(words, index):
                break
            cells = DETERMINER_FORMS.get(norms[index], []) + PRENOMINAL_FORMS.get(norms[index], [])
            if cells and all((g, n) == ("f", "p") for _, g, n, _ in cells):
                raise Unsafe(f"'{norms[term.first]}' after a feminine plural word is the plural of the feminine")
            if norms[index] in DETERMINER_FORMS:
                break

    def _left(self, words, norms, term, replacement, old, new, n, forms, phrase_words):
        """Rebuild the words before the noun, right to left: each takes the form its new right
        neighbour's sound asks for."""
        chain: list[tuple[int, str, dict]] = []  # (index, kind, cells)
        index = term.first - 1
        while index >= 0 and not ends(words, index):
            word = norms[index]
            if word in PRENOMINAL_FORMS:
                name = PRENOMINAL_FORMS[word][0][0]
                chain.append((index, "adjective", PRENOMINAL[name]))
                index -= 1
                continue
            if word in DETERMINER_FORMS:
                name = DETERMINER_FORMS[word][0][0]
                chain.append((index, "determiner", DETERMINERS[name]))
                index -= 1
                if index >= 0 and not ends(words, index) and norms[index] in PREDETERMINER_FORMS:
                    chain.append((index, "predeterminer", PREDETERMINERS[PREDETERMINER_FORMS[norms[index]][0][0]]))
                break
            # an adjective not in the tables, between a determiner and the noun ("la simpatica infermiera")
            cells = adjective(word)
            if cells and index > 0 and not ends(words, index - 1) and norms[index - 1] in DETERMINER_FORMS | PRENOMINAL_FORMS:
                chain.append((index, "adjective", cells))
                index -= 1
                continue
            break
        next_form = replacement
        for index, kind, cells in chain:
            word = norms[index]
            old_cells = {(g, m) for (g, m), row in cells.items() if word in row}
            if (old, n) not in old_cells:
                if (new, n) in old_cells:
                    raise Unsafe(f"'{word}' before '{norms[index + 1]}' does not agree with it")
                break  # another number: not part of this phrase
            row = cells[(new, n)]
            form = row[SOUND_INDEX[sound(next_form)]]
            if form.endswith("'") and not words[index].elided and (cells is DETERMINERS["questo"] or cells is PRENOMINAL["buono"]):
                form = row[0]  # "questa amica" -> "questo amico", but "quest'amica" -> "quest'amico"
            forms[index] = form
            phrase_words.add(index)
            next_form = form

    def _right(self, words, norms, last, old, new, n, forms, phrase_words):
        """Adjectives and participles after the noun ("un'infermiera esperta e affidabile", also after
        a comma: "un'ottima programmatrice, creativa e precisa")."""
        index = last + 1
        if index < len(words) and not ends(words, last) and words[index].text[:1].isupper():
            return  # a name follows ("la dottoressa Rossi"): what follows it is not attached
        self._chain(words, norms, index, last, old, new, n, forms, phrase_words, after_noun=True)
        if self._unknown:
            raise Unsafe(f"unknown word '{self._unknown}' in an agreeing position")

    def _chain(self, words, norms, index, previous, old, new, n, forms, phrase_words, *, predicate=False, after_noun=False):
        """A chain of adjectives from ``index``, joined by e/ed/commas and adverbs; each that agrees
        with the old gender takes the new one. Returns whether any word agreed. An unknown word with
        the old gender's ending where an adjective is expected (first after a copula, after a comma
        in the chain, last after "e") is noted in ``self._unknown``: the caller leaves the text out."""
        changed = False
        seen_adjective = False
        start = index
        self._unknown = None
        while index < len(words):
            comma = words[index].start - words[previous].end <= 2
            if ends(words, previous) and not ((seen_adjective or (after_noun and index == start)) and comma):
                break  # more than a comma between the words
            word = norms[index]
            if word in ADVERBS or word.endswith("mente") and len(word) > 6:
                previous, index = index, index + 1
                continue
            if seen_adjective and word in AND:
                previous, index = index, index + 1
                continue
            if words[index].text[:1].isupper() or word in NOT_IN_CHAIN:
                break
            cells = adjective(word)
            if cells is None:
                expected = (predicate and not seen_adjective) or (seen_adjective and ends(words, previous)) or (
                    seen_adjective and norms[previous] in AND and ends(words, index))
                if expected and word.endswith(ENDING[(old, n)]) and len(word) > 2 and index not in self._terms \
                        and word not in NOT_ADJECTIVES and word not in FUNCTION_WORDS:
                    self._unknown = word
                break
            old_cells = {(g, m) for (g, m), row in cells.items() if word in row}
            if index in self._terms:
                pass  # a term in the chain ("è nubile e ..."): the lexicon says its form
            elif (old, n) in old_cells:
                forms[index] = cells[(new, n)][0]
                phrase_words.add(index)
                changed = True
            elif not any(m == n for _, m in old_cells):
                break  # another number: agrees with something else
            elif (new, n) not in old_cells:
                break
            seen_adjective = True
            previous, index = index, index + 1
        return changed

    # -- predicates ----------------------------------------------------------------------------
    def _predicates(self, words, norms, terms, term_at, in_term, old, new, number, forms, phrase_words):
        """Adjectives and participles after a copula agree with its subject."""
        for copula, word in enumerate(norms):
            if word not in COPULAS or copula in phrase_words:
                continue
            n = COPULAS[word]
            # what the predicate says about the old gender, if anything
            probe: dict[int, str] = {}
            agrees = self._chain(words, norms, copula + 1, copula, old, new, n, probe, set(), predicate=True)
            unknown = self._unknown
            if not unknown and n == "s" and self._predicate_phrase_agrees(words, norms, copula, probe, old, in_term, phrase_words):
                unknown = "a noun phrase"  # "lei è la responsabile", "lei è la più giovane"
            if not agrees and not unknown:
                continue
            subject = self._subject(words, norms, copula, term_at, in_term, phrase_words)
            if subject == "other":
                continue
            if subject == "unclear":
                raise Unsafe("a predicate whose subject may be another noun")
            if unknown == "a noun phrase":
                if subject != "dropped" or any(term.last < copula for term in terms):
                    raise Unsafe("predicate noun phrase may agree with the person")
            elif unknown:
                raise Unsafe(f"unknown word '{unknown}' in an agreeing position")
            if subject == "dropped":
                before = [term for term in terms if term.last < copula and number[term.last] == n and norms[term.first] not in ADJECTIVE_TERMS]
                if not before:
                    after = self._predicate_noun(words, norms, copula, probe, in_term)
                    if after == "term":  # "è stata una collaboratrice preziosa"
                        forms.update(probe)
                    elif after == "unclear":
                        raise Unsafe("a dropped subject that may be another noun")
                    continue
                for index in range(copula):
                    if index in phrase_words or index in in_term:
                        continue
                    cells = DETERMINER_FORMS.get(norms[index], []) + PRENOMINAL_FORMS.get(norms[index], [])
                    genders = {(g, m) for _, g, m, _ in cells}
                    if (old, n) in genders and ((new, n) not in genders or words[index].elided):
                        raise Unsafe("a dropped subject that may be another noun")
                forms.update(probe)
                continue
            if number[subject] != n and not self._coordinated(words, norms, subject, term_at, phrase_words):
                raise Unsafe("a plural predicate after a coordinated subject")
            forms.update(probe)

    def _predicate_phrase_agrees(self, words, norms, copula, probe, old, in_term, phrase_words):
        """Whether the copula is followed by a noun phrase whose article may agree with the person
        but whose noun the rules do not know: "la responsabile", "la più giovane" (a swapped noun, a
        common-gender noun with its article and a noun of fixed gender are known)."""
        index = copula + 1
        while index < len(words) and (norms[index] in ADVERBS or (index in probe and norms[index][:-1] in COPULA_PARTICIPLES)) \
                and not ends(words, index):
            index += 1  # "è stata la responsabile", "è diventata la più giovane"
        if index >= len(words) or index in phrase_words or index in in_term or norms[index] in ARTICULATED_FORMS:
            return False
        cells = DETERMINER_FORMS.get(norms[index])
        if not cells or norms[index] in PREPOSITIONS:
            return False
        genders = {g for _, g, m, _ in cells if m == "s"}
        noun = index + 1
        while noun < len(words) and noun not in in_term and not ends(words, noun - 1) and (
                norms[noun] in PRENOMINAL_FORMS or norms[noun] in ADVERBS or (adjective(norms[noun]) and noun not in phrase_words)):
            noun += 1
        if noun < len(words) and (noun in in_term or noun in phrase_words or norms[noun] in FIXED_GENDER):
            return False
        if genders == {old}:
            return True
        following = adjective(norms[index + 1]) if index + 1 < len(words) else None
        if words[index].elided and following:  # "l'unica"
            row_old, row_new = following.get((old, "s"), ()), following.get(("m" if old == "f" else "f", "s"), ())
            return norms[index + 1] in row_old and row_old != row_new
        return False

    def _predicate_noun(self, words, norms, copula, probe, in_term):
        """After "è stata ..." with no subject before it: "term" where the predicate's words lead to a
        swapped noun ("è stata una collaboratrice preziosa"), "unclear" where a swapped noun comes
        later in the clause, else "none"."""
        index = copula + 1
        while index < len(words) and (index in probe or norms[index] in ADVERBS or norms[index] in DETERMINER_FORMS
                                      or norms[index] in PRENOMINAL_FORMS) and index not in in_term:
            if ends(words, index):
                return "none"
            index += 1
        if index in in_term:
            return "term"
        while index < len(words):
            if index in in_term:
                return "unclear"
            if ends(words, index):
                break
            index += 1
        return "none"

    def _coordinated(self, words, norms, last, term_at, phrase_words):
        """Whether the term ending at ``last`` is the second of two swapped terms joined by e/ed
        ("lei e sua sorella sono ..."): their plural predicate agrees with both."""
        start = term_at[last].first
        while start - 1 in phrase_words:
            start -= 1
        return start >= 2 and norms[start - 1] in {"e", "ed"} and start - 2 in term_at and not ends(words, start - 2)

    def _subject(self, words, norms, copula, term_at, in_term, phrase_words):
        """The copula's subject: a term's last index, "dropped" (no subject before it in the clause),
        "other" (another noun) or "unclear"."""
        index = copula - 1
        while index >= 0 and not ends(words, index) and (norms[index] in CLITICS or norms[index] in ADVERBS):
            index -= 1
        if index < 0 or ends(words, index) or norms[index] in CLAUSE_STARTS:
            return "dropped"
        back = index
        while back >= 0 and back not in term_at and (back in phrase_words or norms[back] in ADVERBS) and not ends(words, back):
            back -= 1
        if back != index and back in term_at and not ends(words, back):
            index = back  # "le candidate selezionate saranno contattate"
        if norms[index] in RELATIVE:
            antecedent = index - 1
            if antecedent > 0 and words[antecedent].text[:1].isupper() and antecedent - 1 in term_at and not ends(words, antecedent - 1):
                antecedent -= 1  # "la dottoressa Verdi, che è ..."
            return antecedent if antecedent in term_at else "unclear" if term_at else "other"
        for _ in range(4):  # "la madre di Anna", "la casa della candidata": the head is the first noun
            if index in term_at:
                start = term_at[index].first
                while start - 1 in phrase_words:
                    start -= 1
            else:
                start = index
                while start > 0 and not ends(words, start - 1) and norms[start - 1] in PRENOMINAL_FORMS:
                    start -= 1
                if start > 0 and not ends(words, start - 1) and norms[start - 1] in DETERMINER_FORMS:
                    start -= 1
            if norms[start] in ARTICULATED_FORMS:
                head = start - 1
            elif start > 0 and norms[start - 1] in PREPOSITIONS and not ends(words, start - 1):
                head = start - 2
            else:
                break
            if head < 0 or ends(words, head):
                return "unclear"
            while head > 0 and head not in term_at and not ends(words, head - 1) and (norms[head] in ADVERBS or adjective(norms[head])):
                head -= 1  # "l'impiegata più giovane dell'ufficio"
            index = head
        else:
            return "unclear"
        if words[index].text[:1].isupper() and index - 1 in term_at and not ends(words, index - 1):
            index -= 1  # "la dottoressa Rossi è ..."
        if index in term_at:
            return index
        back = copula - 1
        while back > 0 and not ends(words, back - 1) and norms[back] not in CLAUSE_STARTS:
            back -= 1
            if norms[back] in RELATIVE and (back - 1 in term_at or back - 1 in phrase_words):
                return "unclear"  # "la studentessa che ho seguito è molto brava": the main clause's verb
        return "other"

    def _object_pronouns(self, words, norms, old):
        """la/le (lo/gli) before a verb and l' before avere stand for a person: the rules do not
        change them, so such a text is left out."""
        pronouns = {"f": {"la", "le"}, "m": {"lo", "gli"}}[old]
        for index, word in enumerate(norms[:-1]):
            if ends(words, index):
                continue
            following = norms[index + 1]
            if word in pronouns and following in CLITIC_VERBS:
                raise Unsafe(f"object pronoun '{word}'")
            if word == "l'" and following in AVERE:
                raise Unsafe("object pronoun l'")
        enclitics = {"f": ("la", "le"), "m": ("lo", "gli")}[old]
        for word in norms:
            if ENCLITIC.match(word) and word.endswith(enclitics) and word not in NOT_ADJECTIVES:
                raise Unsafe(f"object pronoun in '{word}'")

    # -- edits ---------------------------------------------------------------------------------
    def _edits(self, words, terms, forms):
        """Edits for the changed words; where a word's elision changes ("un'" <-> "un"), one edit
        spans it and the next word, joined with or without a space."""
        term_form = {term.first: term.replacement for term in terms}
        edits = []
        for index, form in sorted(forms.items()):
            elided = form.endswith("'")
            if elided != words[index].elided and index + 1 < len(words):
                nxt = forms.get(index + 1, term_form.get(index + 1) or words[index + 1].text)
                edits.append(Edit(index, index + 1, form + ("" if elided else " ") + nxt))
            else:
                edits.append(Edit(index, index, form))
        return edits


ARTICULATED_FORMS = {form for name in ARTICULATED for form in DETERMINER_FORMS if DETERMINER_FORMS[form][0][0] == name}
GRAMMAR = Italian()
