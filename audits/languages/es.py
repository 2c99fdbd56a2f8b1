"""Spanish: the words that agree with a person whose gender is swapped.

A swap changes, besides the lexicon's terms ("doctora" <-> "doctor"):
- the determiners before a swapped noun: la/el, las/los, una/un, esta/este, esa/ese,
  aquella/aquel, nuestra/nuestro, toda/todo, otra/otro, alguna/algún, ...; and the contractions
  "de la"/"del" and "a la"/"al" ("a la doctora" <-> "al doctor");
- adjectives and participles before and after the noun ("una buena enfermera dedicada" <->
  "un buen enfermero dedicado"), in a table or by their regular endings (-o/-a, -dor/-dora,
  -ado/-ada, -ido/-ida, -oso/-osa, -ivo/-iva, accented -ico/-ica); -ista, -e, -al, -ble and
  the like do not change;
- predicate adjectives and participles after ser/estar/parecer/quedar (and a few verbs like
  them) whose subject is a swapped pronoun or noun ("ella está cansada" <-> "él está cansado").

It raises ``Unsafe`` where the form cannot be told: an object clitic ("la contrataron",
"contratarla") that may or may not be the person; a gendered predicate whose subject is dropped
or unclear ("dice que es muy trabajadora"); a role noun that may be an adjective ("atención
médica"). Words are matched whole; punctuation is not seen (``words_of`` drops it), so a
capitalised word is taken as a sentence start.
"""

from __future__ import annotations

from .grammar import OTHER, Edit, Gender, Grammar, Term, Unsafe, Word

# Determiners that agree with the noun: feminine form -> masculine form. Read both ways.
DETERMINERS = {
    "la": "el", "las": "los", "una": "un", "unas": "unos",
    "esta": "este", "estas": "estos", "esa": "ese", "esas": "esos", "aquella": "aquel", "aquellas": "aquellos",
    "nuestra": "nuestro", "nuestras": "nuestros", "vuestra": "vuestro", "vuestras": "vuestros",
    "toda": "todo", "todas": "todos", "otra": "otro", "otras": "otros", "alguna": "algún", "algunas": "algunos",
    "ninguna": "ningún", "ningunas": "ningunos", "cierta": "cierto", "ciertas": "ciertos", "mucha": "mucho",
    "muchas": "muchos", "poca": "poco", "pocas": "pocos", "tanta": "tanto", "tantas": "tantos",
    "varias": "varios", "ambas": "ambos", "dicha": "dicho", "dichas": "dichos", "cuya": "cuyo", "cuyas": "cuyos",
    "cuánta": "cuánto", "cuántas": "cuántos", "misma": "mismo", "mismas": "mismos",
}
# Determiners that do not change; a noun phrase may begin with them ("sus dos hijas").
PLAIN_DETERMINERS = {
    "mi", "mis", "tu", "tus", "su", "sus", "cada", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho",
    "nueve", "diez", "más", "menos", "demás", "cualquier", "qué", "sendas",
}
# Contractions of a preposition with the masculine article, and their feminine spelling.
CONTRACTIONS = {"del": ("de", "la"), "al": ("a", "la")}
CONTRACTION_WORDS = set(CONTRACTIONS)
# Pronouns before "de" + a plural noun phrase, which agree with it ("ninguna de las candidatas").
_QUANTIFIERS = {
    "una": "uno", "ninguna": "ninguno", "alguna": "alguno", "otra": "otro", "unas": "unos", "algunas": "algunos",
    "otras": "otros", "muchas": "muchos", "pocas": "pocos", "varias": "varios", "todas": "todos", "ambas": "ambos",
    "tantas": "tantos", "cuántas": "cuántos",
}
QUANTIFIERS = {word: ("feminine", other) for word, other in _QUANTIFIERS.items()} | {
    other: ("masculine", word) for word, other in _QUANTIFIERS.items()
}
# Adjectives whose endings are not regular, or that are too short for the ending rules: feminine
# singular -> masculine singular (plurals are made by ``plural``).
ADJECTIVES = {
    "buena": "bueno", "mala": "malo", "nueva": "nuevo", "vieja": "viejo", "alta": "alto", "baja": "bajo",
    "guapa": "guapo", "bonita": "bonito", "rubia": "rubio", "morena": "moreno", "delgada": "delgado",
    "gorda": "gordo", "soltera": "soltero", "viuda": "viudo", "honesta": "honesto", "seria": "serio",
    "trabajadora": "trabajador", "contenta": "contento", "lista": "listo", "tranquila": "tranquilo",
    "segura": "seguro", "insegura": "inseguro", "sincera": "sincero", "perfecta": "perfecto",
    "experta": "experto", "correcta": "correcto", "directa": "directo", "abierta": "abierto",
    "muerta": "muerto", "rica": "rico", "estupenda": "estupendo", "primera": "primero",
    "segunda": "segundo", "tercera": "tercero", "última": "último", "única": "único", "propia": "propio",
    "sola": "solo", "atenta": "atento", "cuidadosa": "cuidadoso", "simpática": "simpático",
    "antipática": "antipático", "sencilla": "sencillo", "lenta": "lento", "rápida": "rápido",
    "fría": "frío", "sana": "sano", "enferma": "enfermo", "ciega": "ciego", "sorda": "sordo",
    "anciana": "anciano", "joven": "joven", "mayor": "mayor", "querida": "querido", "tímida": "tímido",
    "limpia": "limpio", "sucia": "sucio", "franca": "franco", "justa": "justo", "exacta": "exacto",
    "madura": "maduro", "culta": "culto", "astuta": "astuto", "activa": "activo", "loca": "loco",
    "española": "español", "inglesa": "inglés", "francesa": "francés", "alemana": "alemán",
    "portuguesa": "portugués", "irlandesa": "irlandés", "escocesa": "escocés", "holandesa": "holandés",
    "japonesa": "japonés", "china": "chino", "italiana": "italiano", "mexicana": "mexicano",
    "colombiana": "colombiano", "peruana": "peruano", "cubana": "cubano", "americana": "americano",
    "venezolana": "venezolano", "argentina": "argentino", "chilena": "chileno", "rusa": "ruso",
    "cercana": "cercano", "humana": "humano", "lejana": "lejano", "emprendedora": "emprendedor",
    "conservadora": "conservador", "encantadora": "encantador", "soñadora": "soñador",
    "luchadora": "luchador", "ahorradora": "ahorrador", "cumplidora": "cumplidor",
    "innovadora": "innovador", "motivadora": "motivador", "mandona": "mandón", "llorona": "llorón",
    "dormilona": "dormilón", "adjunta": "adjunto", "antigua": "antiguo", "financiera": "financiero", "extranjera": "extranjero",
    "verdadera": "verdadero", "entera": "entero", "ligera": "ligero", "certera": "certero", "preocupada": "preocupado",
    "satisfecha": "satisfecho", "insatisfecha": "insatisfecho", "dispuesta": "dispuesto", "resuelta": "resuelto", "orgullosa": "orgulloso", "embarazada": "embarazado", "mía": "mío", "tuya": "tuyo", "suya": "suyo",
    "pequeña": "pequeño", "nata": "nato", "discreta": "discreto", "concreta": "concreto", "autónoma": "autónomo",
    "idónea": "idóneo", "íntegra": "íntegro", "sabia": "sabio", "extraordinaria": "extraordinario",
    "solidaria": "solidario", "voluntaria": "voluntario", "universitaria": "universitario", "viva": "vivo",
    "cuarta": "cuarto", "quinta": "quinto", "tonta": "tonto", "precisa": "preciso", "estricta": "estricto",
    "despierta": "despierto", "modesta": "modesto", "interina": "interino", "sustituta": "sustituto",
    "europea": "europeo", "atea": "ateo", "judía": "judío", "cristiana": "cristiano",
    # masculine forms that do not end in -o: nationalities, -án, -ón ("catalana" <-> "catalán")
    "catalana": "catalán", "andaluza": "andaluz", "musulmana": "musulmán", "holgazana": "holgazán",
    "charlatana": "charlatán", "danesa": "danés", "finlandesa": "finlandés", "libanesa": "libanés",
    "aragonesa": "aragonés", "cordobesa": "cordobés", "leonesa": "leonés", "tailandesa": "tailandés",
    "neozelandesa": "neozelandés", "campeona": "campeón", "anfitriona": "anfitrión", "patrona": "patrón",
    "ladrona": "ladrón", "brasileña": "brasileño", "hondureña": "hondureño", "salvadoreña": "salvadoreño",
    "puertorriqueña": "puertorriqueño", "panameña": "panameño", "madrileña": "madrileño", "gallega": "gallego",
    "ecuatoriana": "ecuatoriano", "boliviana": "boliviano", "uruguaya": "uruguayo", "paraguaya": "paraguayo",
    "dominicana": "dominicano", "rumana": "rumano", "polaca": "polaco", "sueca": "sueco", "griega": "griego",
    "turca": "turco", "ucraniana": "ucraniano", "coreana": "coreano",
    # -esa words whose masculine is -eso, not -és
    "presa": "preso", "ilesa": "ileso", "obesa": "obeso", "traviesa": "travieso", "gruesa": "grueso",
}
ADJECTIVES_MASCULINE = {masculine: feminine for feminine, masculine in ADJECTIVES.items()}
# Masculine singular forms used before a noun ("un buen médico", "el primer director").
BEFORE_NOUN = {"bueno": "buen", "malo": "mal", "primero": "primer", "tercero": "tercer"}
# Adjectives with one form for both genders (only listed ones let a phrase go on past them;
# "-ista", "-ble" are recognised by their ending).
INVARIANT = {
    "responsable", "amable", "eficiente", "inteligente", "joven", "mayor", "menor", "mejor", "peor",
    "feliz", "capaz", "fiel", "leal", "puntual", "profesional", "excelente", "fuerte", "grande", "gran",
    "humilde", "alegre", "triste", "independiente", "competente", "paciente", "valiente", "ejemplar",
    "natural", "útil", "ideal", "genial", "especial", "general", "principal", "actual", "personal",
    "social", "familiar", "dulce", "pobre", "libre", "firme", "simple", "exigente", "común", "habitual",
    "joven", "cortés", "audaz", "tenaz", "eficaz", "brillante", "elegante", "constante", "importante",
    "interesante", "inteligente", "prudente", "coherente", "solvente", "residente", "presente",
    "anterior", "superior", "interior", "legal", "formal", "cordial", "leal", "veloz",
}
# Regular endings: feminine -> masculine, singular then plural. "-ico/-ica" only with a written
# accent ("pública", "técnica"), which tells the adjective from a verb ("publica").
ENDINGS = [
    ("adas", "ados"), ("idas", "idos"), ("osas", "osos"), ("ivas", "ivos"), ("doras", "dores"),
    ("ada", "ado"), ("ida", "ido"), ("osa", "oso"), ("iva", "ivo"), ("dora", "dor"),
]
ACCENTED = set("áéíóú")
# Words with those endings that are not adjectives: nouns, verbs, pronouns.
NOT_ADJECTIVES = {
    "nada", "cada", "vida", "vidas", "comida", "salida", "medida", "partida", "bebida", "herida", "cuida",
    "olvida", "pida", "mida", "impida", "despida", "agrada", "enfada", "traslada", "nado", "lado", "estado",
    "sido", "mercado", "cuidado", "sentido", "partido", "contenido", "apellido", "ruido", "marido", "pasado",
    "resultado", "grado", "nido", "olvido", "pido", "mido", "cuido", "esposa", "esposo", "esposas", "esposos",
    "oso", "osa", "reposo", "acoso", "motivo", "archivo", "alrededor", "ordenador", "computadora",
    "llegada", "entrada", "jornada", "temporada", "mirada", "década", "ayuda", "duda", "boda", "moda",
    "época", "unidad", "comedor", "mirador", "jugador", "estados", "mercados", "resultados", "sentidos",
    "partidos", "maridos", "apellidos", "motivos", "grados", "lados", "ida", "vida", "dada", "dado",
}
# Adverbs that may stand inside a noun phrase or between a copula and its predicate.
ADVERBS = {
    "muy", "tan", "más", "menos", "bastante", "sumamente", "realmente", "extremadamente", "altamente",
    "especialmente", "verdaderamente", "increíblemente", "absolutamente", "totalmente", "completamente",
    "siempre", "también", "tampoco", "ya", "todavía", "aún", "nunca", "jamás", "no", "bien", "mal",
    "demasiado", "algo", "casi", "muy", "sin", "duda", "claramente", "igualmente", "felizmente",
    "profundamente", "perfectamente", "plenamente", "recientemente",
}
# Words joining two adjectives of one noun or predicate.
JOINERS = {"y", "e", "pero", "ni", "o", "aunque"}
# Words after which a determiner with an adjective stands alone ("es la mejor de su clase").
ENDS_PHRASE = {"de", "del", "que", "en", "y", "e", "o", "pero", "con", "para", "entre", "a", "al"}
# Verbs whose predicate adjective agrees with the subject: ser, estar, parecer, quedar, and a
# few that act like them ("sigue soltera", "resultó elegida", "se siente orgullosa").
COPULAS = {
    "es", "son", "era", "eran", "fue", "fueron", "será", "serán", "sería", "serían", "sea", "sean", "fuera",
    "fueran", "ser", "sido", "siendo", "está", "están", "estaba", "estaban", "estuvo", "estuvieron",
    "estará", "estarán", "estaría", "estarían", "esté", "estén", "estar", "estando", "parece", "parecen",
    "parecía", "parecían", "pareció", "parecieron", "parecer", "queda", "quedan", "quedó", "quedaron",
    "quedaba", "quedaban", "quedará", "quedar", "resulta", "resultó", "resultaron", "sigue", "siguen",
    "siguió", "continúa",
}
# Verbs that act like a copula only with "se" ("se siente orgullosa", but "siente miedo").
SE_COPULAS = {"siente", "sienten", "sintió", "sentía", "muestra", "mostró", "volvió", "considera", "declara", "declaró"}
# After a copula whose subject is the person, any word in -o/-a/-os/-as is taken as agreeing
# ("es fontanera" <-> "es fontanero"), except these: nouns with one form for both genders, function
# words, and nouns that do not describe the person.
NOT_PREDICATES = {
    "policía", "guía", "atleta", "colega", "pediatra", "psiquiatra", "astronauta", "poeta", "espía", "indígena",
    "idiota", "hipócrita", "demócrata", "burócrata", "miembro", "testigo", "modelo", "piloto", "soprano",
    "persona", "víctima", "estrella", "figura", "promesa", "ejemplo", "genio", "mito", "objeto", "objetivo",
    "caso", "motivo", "fruto", "producto", "prueba", "pieza", "como", "cuando", "donde", "porque", "para",
    "hasta", "durante", "sobre", "tanto", "cuanto", "algo", "nada", "poco", "mucho", "demasiado", "bastante",
    "bajo", "mismo", "misma", "cada", "fuera", "dentro", "encima", "junto", "acerca", "cerca", "justo", "pronto",
    "luego", "sólo", "mejor", "muy", "medio", "primero", "ahora", "otro", "otra", "esto", "eso", "ello",
    "hora", "horas", "mañana",
}
# Person nouns and adjectives with one form for both genders, though they end in -a/-o: after a
# copula they do not change ("es colega"), but an article before them does ("es una colega" <->
# "es un colega"); such a phrase is left out. Words in -ista and -nte are treated the same way.
_COMMON_GENDER = {
    "policía", "guía", "atleta", "colega", "pediatra", "psiquiatra", "geriatra", "astronauta", "poeta", "espía",
    "indígena", "idiota", "hipócrita", "demócrata", "burócrata", "autodidacta", "entusiasta", "belga", "croata",
    "cosmopolita", "nómada", "políglota", "patriota", "homicida", "suicida", "terapeuta", "fisioterapeuta",
    "logopeda", "miembro", "testigo", "modelo", "piloto", "soldado", "líder", "joven", "cónyuge", "intérprete",
    "rehén", "mártir", "juez", "bebé",
}
# Nouns whose gender does not follow the person's: after a copula, an article before them stays
# ("ella es una persona amable" <-> "él es una persona amable", "él es un ejemplo" <-> "ella es un ejemplo").
FIXED_NOUNS = {
    "persona", "personas", "pieza", "estrella", "figura", "referencia", "fuente", "opción", "incorporación",
    "inspiración", "promesa", "víctima", "joya", "maravilla", "bendición", "garantía", "excepción", "prioridad",
    "apuesta", "elección", "solución", "ayuda", "autoridad", "eminencia", "institución", "mente", "parte",
    "máquina", "ejemplo", "referente", "activo", "pilar", "puntal", "baluarte", "genio", "encanto", "placer",
    "honor", "orgullo", "lujo", "caso", "apoyo", "motor", "valor", "fichaje", "acierto", "privilegio",
}
# "estado" is a copula only after a form of haber ("ha estado casada"); these forms may stand
# between a subject and its copula ("ella ha sido nombrada").
HABER = {"ha", "han", "había", "habían", "habría", "habrían", "haya", "hayan", "hubiera", "hubieran", "habrá", "habrán", "haber", "habiendo"}
# Unstressed pronouns that may stand between a subject and its verb ("ella se siente ...").
CLITICS = {"se", "me", "te", "le", "les", "nos", "os"}
PREPOSITIONS = {"de", "con", "para", "sin", "a", "según", "por", "en", "entre", "sobre", "desde", "hacia", "contra", "ante", "bajo", "tras"}
# Terms that are adjectives or abstract nouns, not a person: they swap alone, nothing agrees.
NOT_PERSONS = {
    "femenina", "femenino", "femeninas", "femeninos", "masculina", "masculino", "masculinas", "masculinos",
    "materna", "materno", "paterna", "paterno", "maternal", "paternal", "maternidad", "paternidad",
    "feminidad", "masculinidad",
}
# Role nouns that are often adjectives ("atención médica", "obra maestra"): matched as a person
# only after a determiner, a copula, "como" or "de" ("trabaja como médica").
ADJECTIVE_LIKE = {"médica", "médico", "médicas", "médicos", "maestra", "maestro", "maestras", "maestros"}
NOUN_MARKERS = {"como", "de", "del", "al", "a", "y", "e", "o"}
PRONOUNS = {"ella", "él", "ellas", "ellos"}
SUBJECT_PRONOUNS = PRONOUNS | {"yo", "tú", "usted", "nosotros", "nosotras", "ustedes", "vosotros", "vosotras", "quien"}
# Words that may follow a pronoun and agree with it ("ella misma").
AFTER_PRONOUN = {"misma", "mismas", "sola", "solas", "mismo", "mismos", "solo", "solos"}
# The masculine object clitics "lo"/"los" are also neuter ("lo que", "lo mejor"): not the person there.
NEUTER_LO = {
    "que", "cual", "mejor", "peor", "más", "menos", "mismo", "largo", "tanto", "general", "antes", "demás",
    "bueno", "malo", "importante", "único", "suficiente", "posible", "cierto", "siguiente", "normal",
}
# Verb endings no noun has: after "la"/"lo" they show a clitic ("la contrataron").
VERB_ENDINGS = (
    "aron", "ieron", "aban", "amos", "emos", "imos", "ó", "é", "ará", "erá", "irá", "aría", "ería", "iría",
    "iera", "ieran", "aran", "iese", "iesen", "ase", "asen",
)
# "la ayudara": "-ara" is also a noun ending; these nouns are not verbs.
ARA_NOUNS = {"cara", "para", "vara", "clara", "rara", "cámara", "máscara", "tiara", "mampara", "avara", "sara", "mara"}
# Feminine nouns in -en (after "la"/"las", other words in -en or -an are verbs: "la quieren").
EN_NOUNS = {"imagen", "orden", "virgen", "margen", "sartén", "sien", "carmen"}
# "la" before a word in -o is a clitic before a verb ("la conozco", "la recomiendo"), except before these.
FEMININE_IN_O = {
    "mano", "foto", "moto", "radio", "libido", "modelo", "soprano", "testigo", "piloto", "dinamo", "seo",
    "miembro", "contralto", "polo", "disco", "metro", "euro", "médico", "árbitro", "ministro", "poco", "mayoría",
}
VERB_WORDS = {
    "ha", "han", "había", "habían", "he", "hemos", "va", "van", "fue", "puede", "pueden", "quiere",
    "conoce", "conocen", "conozco", "conocía", "recomiendo", "recomienda", "recomendamos", "considero",
    "considera", "consideran", "describe", "describen", "contrata", "contratan", "llama", "llaman",
    "veo", "ve", "vi", "vio", "tengo", "tiene", "ayuda", "ayudan", "apoya", "apoyan", "necesita",
    "necesitan", "quiero", "admiro", "admira", "echaron", "trata", "tratan",
}
# Words after which "solo" is the adjective ("vive solo en Madrid") rather than the adverb "only".
ALONE_FOLLOWERS = {"y", "e", "o", "pero", "en", "con", "desde", "durante", "sin", "a", "al", "por", "hasta", "de", "del", "que"}
BEFORE_CLITIC = {"no", "se", "me", "te", "nos", "os", "ya", "nunca", "jamás", "siempre"}
CLITIC_SUFFIXES = ("arla", "erla", "irla", "ándola", "iéndola", "arlas", "erlas", "irlas", "ándolas", "iéndolas")
NOT_CLITIC_WORDS = {"charla", "charlas", "perla", "perlas", "burla", "burlas", "parla", "carla", "carlos", "marla", "charlo"}


def plural(word: str) -> str:
    """A masculine or feminine singular adjective's plural ("alemán" -> "alemanes")."""
    if word[-1] in "aeiouáéó":
        return word + "s"
    if word[-1] == "z":
        return word[:-1] + "ces"
    unaccent = str.maketrans("áéíóú", "aeiou")
    if len(word) > 2 and word[-2] in ACCENTED:
        word = word[:-2] + word[-2].translate(unaccent) + word[-1]
    return word + "es"


def _pairs() -> dict[str, tuple[Gender, bool, str]]:
    """Every listed adjective form: its gender, whether plural, and its other-gender form."""
    found: dict[str, tuple[Gender, bool, str]] = {}
    for feminine, masculine in ADJECTIVES.items():
        if feminine == masculine:
            continue
        found[feminine] = ("feminine", False, masculine)
        found[masculine] = ("masculine", False, feminine)
        found[feminine + "s"] = ("feminine", True, plural(masculine))
        found[plural(masculine)] = ("masculine", True, feminine + "s")
    return found


PAIRS = _pairs()
COMMON_GENDER = _COMMON_GENDER | {plural(word) for word in _COMMON_GENDER} | {"jóvenes", "rehenes"}
BEFORE_NOUN_BACK = {short: full for full, short in BEFORE_NOUN.items()}


def adjective(word: str, before_noun: bool = False, endings: bool = True) -> tuple[Gender, bool, str] | None:
    """``word`` as a gendered adjective: (gender, plural, the other gender's form), else None."""
    if before_noun and word in BEFORE_NOUN_BACK:
        return ("masculine", False, ADJECTIVES_MASCULINE[BEFORE_NOUN_BACK[word]])
    if word in PAIRS:
        gender, many, other = PAIRS[word]
        if before_noun and gender == "feminine":
            other = BEFORE_NOUN.get(other, other)
        return gender, many, other
    if not endings or word in NOT_ADJECTIVES or word in INVARIANT or word in COMMON_GENDER:
        return None
    for feminine, masculine in ENDINGS:
        if word.endswith(feminine) and len(word) > len(feminine) + 1:
            return ("feminine", feminine.endswith("s"), word[: -len(feminine)] + masculine)
        if word.endswith(masculine) and len(word) > len(masculine) + 1:
            return ("masculine", masculine.endswith("s"), word[: -len(masculine)] + feminine)
    if any(vowel in ACCENTED for vowel in word[:-3]):
        for feminine, masculine in (("icas", "icos"), ("ica", "ico")):
            if word.endswith(feminine):
                return ("feminine", feminine.endswith("s"), word[: -len(feminine)] + masculine)
            if word.endswith(masculine):
                return ("masculine", masculine.endswith("s"), word[: -len(masculine)] + feminine)
    return None


def invariant(word: str) -> bool:
    return word in INVARIANT or word.endswith(("ista", "istas", "ble", "bles"))


def determiner(word: str) -> tuple[Gender, str] | None:
    """``word`` as an agreeing determiner: its gender and the other gender's form."""
    if word in DETERMINERS:
        return "feminine", DETERMINERS[word]
    for feminine, masculine in DETERMINERS.items():
        if masculine == word:
            return "masculine", feminine
    return None


class Spanish(Grammar):
    code = "es"

    def agree(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        source = OTHER[gender]
        norms = [word.norm for word in words]
        term_at = {index: term for term in terms for index in range(term.first, term.last + 1)}
        edits: dict[int, Edit] = {}
        owned: set[int] = set(term_at)  # words of the person's noun phrases
        for term in terms:
            word = norms[term.first]
            if word in NOT_PERSONS:
                continue
            if word in ADJECTIVE_LIKE:
                before = norms[term.first - 1] if term.first else ""
                if not (determiner(before) or before in PLAIN_DETERMINERS or before in COPULAS or before in NOUN_MARKERS):
                    raise Unsafe(f"a role noun that may be an adjective ({words[term.first].text})")
            if word in ("mujer",) and term.first and norms[term.first - 1] in ("mi", "tu", "su", "nuestra"):
                edits[term.first] = Edit(term.first, term.last, "marido")  # "su mujer" is his wife
            if word in PRONOUNS:
                after = term.last + 1
                if after < len(words) and norms[after] in ("solo", "solos") and source == "masculine":
                    raise Unsafe(f"an adverb or adjective after a pronoun ({words[after].text})")  # "él solo" = only/alone
                if after < len(words) and norms[after] in AFTER_PRONOUN:
                    found = adjective(norms[after]) or determiner(norms[after])
                    if found and found[0] == source:
                        edits[after] = Edit(after, after, found[-1])
                        owned.add(after)
                continue
            self._before(norms, term, term_at, source, edits, owned)
            self._after(norms, term, term_at, source, edits, owned)
        for index, word in enumerate(norms):
            before = norms[index - 1] if index else ""
            if source == "masculine" and word == "don" and index + 1 < len(words) and words[index + 1].text[:1].isupper():
                raise Unsafe(f"a term without a swap partner ({words[index].text})")  # "Don Luis": "don" is not in the lexicon
            if word in COPULAS or (word == "estado" and before in HABER) or (word in SE_COPULAS and before == "se"):
                self._predicate(words, norms, index, term_at, owned, source, edits)
        self._alone(words, norms, source, owned)
        self._clitics(norms, source, term_at)
        return list(edits.values())

    def _before(self, norms, term, term_at, source, edits, owned) -> None:
        """Determiners and adjectives before the noun, and "de la"/"del", "a la"/"al"."""
        index = term.first - 1
        adjective_seen = determiner_seen = False
        while index >= 0 and index not in term_at:
            word = norms[index]
            found = determiner(word)
            if determiner_seen and not found and word not in PLAIN_DETERMINERS:
                if word == "de" and index and norms[index - 1] in QUANTIFIERS:
                    # "una de las candidatas" <-> "uno de los candidatos": the pronoun agrees too
                    gender, other = QUANTIFIERS[norms[index - 1]]
                    if gender == source:
                        edits[index - 1] = Edit(index - 1, index - 1, other)
                        owned.add(index - 1)
                return  # nothing but a determiner stands before a determiner ("según la jefa")
            if found and found[0] != source and not determiner_seen:
                # "la cliente", "la presidente": a term of one gender said of a person of the other
                raise Unsafe(f"a determiner that does not agree with the term ({word})")
            determiner_seen = determiner_seen or bool(found) or word in PLAIN_DETERMINERS
            if found and found[0] == source:
                text = found[1]
                if source == "feminine" and index and norms[index - 1] in ("de", "a") and word == "la":
                    contraction = "del" if norms[index - 1] == "de" else "al"
                    edits[index - 1] = Edit(index - 1, index, contraction)
                    owned.update((index - 1, index))
                    return
                edits[index] = Edit(index, index, text)
                owned.add(index)
                index -= 1
                continue
            if source == "masculine" and word in CONTRACTIONS:
                edits[index] = Edit(index, index, " ".join(CONTRACTIONS[word]))
                owned.add(index)
                return
            if word in PLAIN_DETERMINERS or (found and found[0] != source):
                index -= 1
                continue
            found = adjective(word, before_noun=True, endings=False)
            if found and found[0] == source:
                edits[index] = Edit(index, index, found[2])
                owned.add(index)
                adjective_seen = True
                index -= 1
                continue
            if invariant(word) and word in INVARIANT:
                adjective_seen = True
                index -= 1
                continue
            if adjective_seen and word in ADVERBS and word in ("muy", "tan", "más", "menos", "bastante"):
                index -= 1
                continue
            return

    def _after(self, norms, term, term_at, source, edits, owned) -> None:
        """Adjectives and participles after the noun ("una enfermera muy dedicada y amable")."""
        index = term.last + 1
        while index < len(norms) and index not in term_at:
            word = norms[index]
            ahead = index
            while ahead < len(norms) and (norms[ahead] in ADVERBS or norms[ahead] in JOINERS) and ahead - index < 3:
                ahead += 1
            if ahead >= len(norms) or ahead in term_at:
                return
            candidate = norms[ahead]
            if ahead > index and norms[ahead - 1] in ADVERBS and norms[ahead - 1] in ("no", "sin", "ya"):
                found = adjective(candidate)
                if found and found[0] == source:  # "su abuela, ya jubilada," or "la madre no casada"
                    raise Unsafe(f"an adjective after a negation or adverb ({candidate})")
                return  # "la madre no ..." is a verb phrase
            found = adjective(candidate)
            if found and found[0] == source:
                edits[ahead] = Edit(ahead, ahead, found[2])
                owned.update(range(index, ahead + 1))
                index = ahead + 1
                continue
            if invariant(candidate):
                owned.update(range(index, ahead + 1))
                index = ahead + 1
                continue
            if candidate.endswith(("a", "as") if source == "feminine" else ("o", "os")) and ahead == index and not (
                candidate in COPULAS or candidate in SE_COPULAS or candidate in HABER
            ):
                # an adjective the tables do not know, if another one of the old gender follows it
                for later in range(ahead + 1, min(ahead + 4, len(norms))):
                    if later in term_at:
                        break
                    found = adjective(norms[later])
                    if found and found[0] == source:
                        raise Unsafe(f"an adjective the rules do not know ({candidate})")
                    if norms[later] not in ADVERBS and norms[later] not in JOINERS:
                        break
            return

    def _subject(self, words, norms, copula, term_at, owned, source) -> tuple[str, int]:
        """Who a copula's subject is: "ours" (a swapped term), "other" (another noun phrase) or
        "unclear" (dropped, a relative pronoun, a clause); and where that noun phrase starts."""
        index = copula - 1
        while index >= 0 and (norms[index] in ADVERBS or norms[index] in CLITICS or norms[index] in HABER):
            index -= 1
        for _ in range(4):
            if index < 0 or words[index + 1].text[:1].isupper() and index + 1 not in term_at:
                return "unclear", -1  # the sentence starts here: the subject is dropped
            if norms[index] in JOINERS:
                return self._coordinated(words, norms, index, term_at, owned, source), -1
            # the noun phrase that ends at ``index``
            start = index
            while start > 0 and norms[start - 1] not in PREPOSITIONS and norms[start - 1] not in CONTRACTIONS and (
                determiner(norms[start - 1]) or norms[start - 1] in PLAIN_DETERMINERS
                or adjective(norms[start - 1], before_noun=True, endings=False) or start - 1 in owned
            ) and not (  # "según la profesora, la alumna": the phrase starts at its determiner
                (determiner(norms[start]) or norms[start] in PLAIN_DETERMINERS)
                and not (determiner(norms[start - 1]) or norms[start - 1] in PLAIN_DETERMINERS)
            ):
                start -= 1
            before = norms[start - 1] if start else ""
            if before in PREPOSITIONS or before in CONTRACTIONS:
                index = start - 2  # "la directora de la empresa": the head is before the preposition
                continue
            if any(i in term_at and norms[i] not in NOT_PERSONS for i in range(start, index + 1)) or index in owned:
                return "ours", start
            if start < index or norms[index] in SUBJECT_PRONOUNS or words[index].text[:1].isupper():
                return "other", start  # another noun phrase, pronoun or a name
            return "unclear", -1
        return "unclear", -1

    def _coordinated(self, words, norms, joiner, term_at, owned, source) -> str:
        """"Ella vendió el coche y está contenta": a second verb shares the first one's subject
        when nothing between could be a subject of the source gender."""
        for index in range(joiner - 1, -1, -1):
            word = norms[index]
            if index in term_at:
                return "ours" if norms[index] in PRONOUNS or index == 0 or norms[index - 1] not in PREPOSITIONS else "unclear"
            if index in owned:
                continue
            if word in COPULAS:  # "es fontanero y está casado": the first copula's subject
                return self._subject(words, norms, index, term_at, owned, source)[0]
            if word in ("que", "quien", "cual", "cuando", "porque", "aunque", "si"):
                return "unclear"
            found = determiner(word)
            if (found and found[0] == source) or word in PLAIN_DETERMINERS or word in CONTRACTIONS:
                return "unclear"
        return "unclear"

    def _predicate(self, words, norms, copula, term_at, owned, source, edits) -> None:
        index = copula + 1
        while index < len(norms) and (norms[index] in ADVERBS or norms[index] in COPULAS or norms[index] == "estado"):
            index += 1
        predicate = []
        found = determiner(norms[index]) if index < len(norms) else None
        probe = index  # "es una excelente profesora": a determiner, adjectives, then the term
        while probe < len(norms) and probe not in term_at and probe - index < 3 and determiner(norms[index]) and (
            norms[probe] not in CONTRACTION_WORDS if probe > index else True) and (
            determiner(norms[probe]) or norms[probe] in PLAIN_DETERMINERS or norms[probe] in ADVERBS
            or adjective(norms[probe], before_noun=True, endings=False) or norms[probe] in INVARIANT
        ) and norms[probe] not in FIXED_NOUNS:
            probe += 1
        if probe < len(norms) and probe in term_at:
            self._said_of(words, norms, copula, probe, term_at, owned, source)
            return
        if found and found[0] == source:
            # "ella es la mejor (de su clase)": a determiner with an adjective and no noun
            ahead = index + 1
            while ahead < len(norms) and (adjective(norms[ahead]) or invariant(norms[ahead]) or norms[ahead] in ADVERBS):
                ahead += 1
            if ahead > index + 1 and norms[ahead - 1] in FIXED_NOUNS:
                ahead = index + 1  # "es un gran activo": a noun, not an adjective
            if ahead > index + 1 and (ahead == len(norms) or norms[ahead] in ENDS_PHRASE or norms[ahead] in PREPOSITIONS
                                      or norms[ahead] in CONTRACTION_WORDS or words[ahead].text[:1].isupper()):
                predicate.append((index, (found[0], False, found[1])))
                index += 1
            else:
                self._determined(words, norms, copula, probe, term_at, owned, source)
                return
        elif source == "masculine" and index + 1 < len(norms) and norms[index] in ("uno", "unos") and norms[index + 1] in ("de", "del"):
            self._determined(words, norms, copula, index + 1, term_at, owned, source)
        first = True  # only the predicate's first word is read by its ending alone ("es traductora")
        while index < len(norms) and index not in term_at:
            word = norms[index]
            if word in ADVERBS or word in JOINERS or word in COPULAS or word == "estado":
                index += 1
                continue
            found = adjective(word) or (self._regular(words[index].text, word) if first else None)
            first = False
            if found:
                predicate.append((index, found))
                index += 1
                continue
            if invariant(word):
                index += 1
                continue
            break
        marked = [(i, found) for i, found in predicate if found[0] == source]
        if not marked:
            return
        subject = self._subject(words, norms, copula, term_at, owned, source)[0]
        if subject == "other":
            return
        if subject == "unclear":
            raise Unsafe(f"a predicate whose subject is unclear ({words[marked[0][0]].text})")
        for i, found in marked:
            edits[i] = Edit(i, i, found[2])
            owned.add(i)

    def _determined(self, words, norms, copula, head, term_at, owned, source) -> None:
        """A determiner of the old gender after a copula, before a noun that is not a term: the
        noun's gender may follow the person ("es una colega" <-> "es un colega", "es la campeona"
        <-> "es el campeón") or not ("es una persona amable"); "una de", "la que" follow the person.
        Left out unless the noun is one whose gender stays or the subject is another noun phrase."""
        noun = norms[head] if head < len(norms) else ""
        if noun in FIXED_NOUNS:
            return
        subject = self._subject(words, norms, copula, term_at, owned, source)[0]
        if subject == "other":
            return
        person_like = (noun in COMMON_GENDER or noun.endswith(("ista", "istas", "nte", "ntes"))
                       or noun in ("de", "del", "que", "cual", "quien", ""))
        if subject == "ours" or person_like:
            raise Unsafe(f"a noun after a copula whose gender may follow the person ({words[min(head, len(words) - 1)].text})")

    def _said_of(self, words, norms, copula, first, term_at, owned, source) -> None:
        """A swapped noun after a copula: said of another noun phrase of the old gender ("la
        solicitante es madre soltera") it would clash with it; followed by "y una ..." the second
        noun phrase may be the person too ("es una gran madre y una excelente profesional")."""
        status, start = self._subject(words, norms, copula, term_at, owned, source)
        if status == "other" and any((determiner(norms[i]) or ("",))[0] == source for i in range(start, copula)):
            raise Unsafe(f"a term said of a noun phrase that is not swapped ({words[first].text})")
        end = first
        while end + 1 < len(norms) and end + 1 in owned:
            end += 1
        if end + 2 < len(norms) and norms[end + 1] in JOINERS:
            found = determiner(norms[end + 2])
            if found and found[0] == source and end + 3 < len(norms) and end + 3 not in term_at:
                raise Unsafe(f"a coordinated noun phrase that may be the person ({words[end + 3].text})")

    @staticmethod
    def _regular(text: str, word: str) -> tuple[Gender, bool, str] | None:
        """A predicate word in -o/-a/-os/-as as an adjective or role noun, unless it is a name, a
        gerund or listed in ``NOT_PREDICATES``."""
        if text[:1].isupper() or word in NOT_PREDICATES or word in NOT_ADJECTIVES or word.endswith(("ando", "iendo", "yendo")):
            return None
        if len(word) < 3 or determiner(word) or word in CONTRACTIONS or word in COMMON_GENDER:
            return None
        if invariant(word) or word.endswith(("nte", "ntes")):
            return None  # "es periodista", "es estudiante"
        unaccent = str.maketrans("áéíóú", "aeiou")
        # role nouns and adjectives whose masculine does not end in -o: "traductora" <-> "traductor",
        # "cordobesa" <-> "cordobés", "campeona" <-> "campeón"
        for feminine, masculine in (("oras", "ores"), ("ora", "or"), ("esas", "eses"), ("esa", "és"), ("onas", "ones"), ("ona", "ón")):
            if word.endswith(feminine) and len(word) > len(feminine) + 1:
                return "feminine", feminine.endswith("s"), word[: -len(feminine)] + masculine
        if word.endswith(("tor", "sor")) and word not in ("sector", "factor", "motor", "vector", "tractor"):
            return "masculine", False, word + "a"
        if word.endswith(("tores", "sores")) and word not in ("sectores", "factores", "motores", "vectores", "tractores"):
            return "masculine", True, word[:-2] + "as"
        for masculine, feminine in (("és", "esa"), ("eses", "esas"), ("án", "ana"), ("ín", "ina"), ("ón", "ona"), ("ones", "onas")):
            if word.endswith(masculine) and len(word) > len(masculine) + 1:
                return "masculine", masculine.endswith("s"), (word[: -len(masculine)] + feminine).translate(unaccent)
        for feminine, masculine in (("as", "os"), ("a", "o")):
            if word.endswith(feminine):
                return "feminine", feminine == "as", word[: -len(feminine)] + masculine
            if word.endswith(masculine):
                return "masculine", masculine == "os", word[: -len(masculine)] + feminine
        return None

    def _alone(self, words, norms, source, owned) -> None:
        """"Vive sola", "trabaja solo": an adjective after a verb agrees with the subject, which
        the rules do not find; "solo" is also the adverb "only", and left as it is where a word
        that is not a preposition or conjunction follows ("solo tiene dos años")."""
        for index, word in enumerate(norms):
            before = norms[index - 1] if index else ""
            following = norms[index + 1] if index + 1 < len(norms) else ""
            if index in owned or determiner(before) or before in PLAIN_DETERMINERS:
                continue  # "una sola vez", "la sola idea"
            if (source == "feminine" and word in ("sola", "solas", "juntas")) or (source == "masculine" and (
                word in ("solos", "juntos") or word == "solo" and (not following or following in ALONE_FOLLOWERS)
            )):
                raise Unsafe(f"an adjective that may agree with the person ({words[index].text})")

    def _clitics(self, norms, source, term_at) -> None:
        """An object clitic of the person's old gender may be the person ("la contrataron") or
        something else ("la carta, la escribió"): left out."""
        own = ("la", "las") if source == "feminine" else ("lo", "los")
        for index, word in enumerate(norms):
            if index in term_at:
                continue
            following = norms[index + 1] if index + 1 < len(norms) else ""
            before = norms[index - 1] if index else ""
            if word in own:
                if word == "lo" and following not in NEUTER_LO:
                    raise Unsafe(f"an object pronoun that may be the person ({word})")  # never an article
                if following.endswith(VERB_ENDINGS) or following in VERB_WORDS or before in BEFORE_CLITIC or not following:
                    raise Unsafe(f"an object pronoun that may be the person ({word})")
                if following.endswith("an") or following.endswith("en") and following not in EN_NOUNS:
                    raise Unsafe(f"an object pronoun that may be the person ({word})")  # "la adoran", "la quieren"
                if following.endswith("ara") and following not in ARA_NOUNS:
                    raise Unsafe(f"an object pronoun that may be the person ({word})")  # "que la ayudara"
                if word == "la" and following.endswith("o") and following not in FEMININE_IN_O:
                    raise Unsafe(f"an object pronoun that may be the person ({word})")  # "la conozco"
            suffixes = CLITIC_SUFFIXES if source == "feminine" else tuple(s[:-1] + "o" if not s.endswith("s") else s[:-2] + "os" for s in CLITIC_SUFFIXES)
            if len(word) > 5 and word.endswith(suffixes) and word not in NOT_CLITIC_WORDS:
                raise Unsafe(f"an object pronoun that may be the person ({word})")
            # an imperative with the pronoun: "llámala", "contrátalo", "recomiéndenla"
            imperative = ("ala", "ela", "alas", "elas") if source == "feminine" else ("alo", "elo", "alos", "elos")
            if len(word) > 4 and any(v in ACCENTED for v in word[:-3]) and word.endswith(imperative):
                raise Unsafe(f"an object pronoun that may be the person ({word})")
            if len(word) > 5 and word.endswith(("enla", "enlas") if source == "feminine" else ("enlo", "enlos")):
                raise Unsafe(f"an object pronoun that may be the person ({word})")


GRAMMAR = Spanish()
