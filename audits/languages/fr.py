"""French agreement: what changes with a person's gender besides the lexicon's terms.

A French swap changes the noun phrase around a swapped noun (articles, possessives, demonstratives
and adjectives before and after it: "une infirmière dévouée" <-> "un infirmier dévoué", "sa nouvelle
amie" <-> "son nouvel ami"), the phonological variants that depend on the next word (l'/le/la,
cet/ce/cette, mon/ma, bel/beau, nouvel/nouveau, vieil/vieux, du/de la/de l', au/à la/à l'), and the
predicate adjectives and participles after a copula (être, devenir, rester, sembler, compound tenses
with être) whose subject is a swapped pronoun or noun ("elle a été promue" <-> "il a été promu").
Pronouns are chosen by context: "elle" is "il" as a subject and "lui" where stressed ("avec elle");
"lui" is "elle" only where stressed and stays where it is the unmarked indirect object ("je lui ai
dit"); an impersonal "il" ("il faut") stays.

Where the rules cannot tell the form (an unknown word in an agreeing position, a clitic "la"/"le"
that may stand for the person, "celle"/"celui", a participle agreeing with a preceding object), the
text is left out with ``Unsafe``.
"""

from __future__ import annotations

import re

from .grammar import Edit, Gender, Grammar, Term, Unsafe, Word, punctuation_after

FEM: Gender = "feminine"
MASC: Gender = "masculine"

# --- determiners -------------------------------------------------------------------------------
# Singular determiners: feminine -> masculine. "l'" is chosen by the next word's sound.
DET_F2M = {"la": "le", "une": "un", "ma": "mon", "ta": "ton", "sa": "son", "cette": "ce", "quelle": "quel",
           "aucune": "aucun", "toute": "tout", "nulle": "nul", "certaine": "certain", "telle": "tel"}
DET_M2F = {"le": "la", "un": "une", "mon": "ma", "ton": "ta", "son": "sa", "ce": "cette", "cet": "cette",
           "quel": "quelle", "aucun": "aucune", "tout": "toute", "nul": "nulle", "certain": "certaine", "tel": "telle"}
# Masculine determiners that have a form of their own before a vowel; feminine possessives take the
# masculine form there ("son amie").
BEFORE_VOWEL_M = {"ce": "cet", "le": "l'"}
BEFORE_VOWEL_F = {"la": "l'", "ma": "mon", "ta": "ton", "sa": "son"}
# Plural determiners: the same in both genders, except a few.
PLURAL_DETS = {"les", "des", "aux", "mes", "tes", "ses", "nos", "vos", "leurs", "ces", "plusieurs", "quelques",
               "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix"}
PLURAL_DET_F2M = {"toutes": "tous", "certaines": "certains", "quelles": "quels", "aucunes": "aucuns"}
PLURAL_DET_M2F = {v: k for k, v in PLURAL_DET_F2M.items()}
INVARIANT_DETS = {"notre", "votre", "leur", "chaque"}
ELIDED_ARTICLE = "l'"

# --- adjectives --------------------------------------------------------------------------------
# Feminine singular -> masculine singular, where the regular endings below do not give it.
ADJ_F2M = {
    "bonne": "bon", "belle": "beau", "nouvelle": "nouveau", "vieille": "vieux", "folle": "fou", "molle": "mou",
    "grande": "grand", "petite": "petit", "seule": "seul", "chère": "cher", "fière": "fier", "amère": "amer",
    "gentille": "gentil", "pareille": "pareil", "nulle": "nul", "grosse": "gros", "basse": "bas", "grasse": "gras",
    "épaisse": "épais", "fraîche": "frais", "douce": "doux", "fausse": "faux", "rousse": "roux", "jalouse": "jaloux",
    "blanche": "blanc", "franche": "franc", "sèche": "sec", "publique": "public", "grecque": "grec",
    "turque": "turc", "longue": "long", "favorite": "favori", "maligne": "malin", "muette": "muet",
    "cadette": "cadet", "nette": "net", "complète": "complet", "discrète": "discret", "inquiète": "inquiet",
    "secrète": "secret", "concrète": "concret", "sotte": "sot", "brève": "bref", "neuve": "neuf", "veuve": "veuf",
    "meilleure": "meilleur", "supérieure": "supérieur", "inférieure": "inférieur", "majeure": "majeur",
    "mineure": "mineur", "extérieure": "extérieur", "intérieure": "intérieur", "antérieure": "antérieur",
    "ultérieure": "ultérieur", "prête": "prêt", "future": "futur", "sûre": "sûr", "dure": "dur", "pure": "pur",
    "mûre": "mûr", "contente": "content", "enceinte": None, "vraie": "vrai", "jolie": "joli",
    "travailleuse": "travailleur", "menteuse": "menteur", "rêveuse": "rêveur", "trompeuse": "trompeur",
    "flatteuse": "flatteur", "moqueuse": "moqueur", "prometteuse": "prometteur", "bosseuse": "bosseur",
    "accrocheuse": "accrocheur", "charmeuse": "charmeur", "créatrice": "créateur", "novatrice": "novateur",
    "protectrice": "protecteur", "conservatrice": "conservateur", "innovatrice": "innovateur",
    "aînée": "aîné", "ainée": "ainé", "adjointe": "adjoint", "sainte": "saint", "défunte": "défunt",
    "atteinte": "atteint", "contrainte": "contraint", "éteinte": "éteint", "restreinte": "restreint",
    "jointe": "joint", "disjointe": "disjoint", "conjointe": "conjoint", "peinte": "peint", "benjamine": "benjamin", "fine": "fin", "voisine": "voisin",
    "originale": "original", "idéale": "idéal", "loyale": "loyal", "géniale": "génial", "cordiale": "cordial",
    "divine": "divin", "masculine": "masculin", "féminine": "féminin", "américaine": "américain",
    "africaine": "africain", "marocaine": "marocain", "humaine": "humain", "certaine": "certain",
    "prochaine": "prochain", "lointaine": "lointain", "délicate": "délicat", "ingrate": "ingrat",
    "immédiate": "immédiat", "plate": "plat", "adéquate": "adéquat", "gratuite": "gratuit", "coite": "coi", "exquise": "exquis",
}
# Masculine forms used before a vowel or mute h ("un bel homme", "son nouvel ami").
ADJ_BEFORE_VOWEL = {"beau": "bel", "nouveau": "nouvel", "vieux": "vieil", "fou": "fol", "mou": "mol"}
ADJ_M2F = {m: f for f, m in ADJ_F2M.items() if m}
ADJ_M2F.update({"bel": "belle", "nouvel": "nouvelle", "vieil": "vieille", "fol": "folle", "mol": "molle",
                "frais": "fraîche"})
# The same in both genders (besides the regular -e masculines, see ``_invariant``).
ADJ_INVARIANT = {
    "jeune", "capable", "fiable", "aimable", "agréable", "remarquable", "responsable", "honnête", "efficace",
    "dynamique", "sympathique", "sympa", "pratique", "autonome", "calme", "célibataire", "fidèle", "habile",
    "agile", "utile", "facile", "difficile", "docile", "souple", "simple", "sincère", "sévère", "austère",
    "prospère", "sage", "drôle", "brave", "digne", "propre", "même", "autre", "unique", "rapide",
    "solide", "timide", "lucide", "rigide", "stupide", "avide", "valide", "malade", "triste", "juste", "riche",
    "pauvre", "large", "libre", "tendre", "rare", "modeste", "honnête", "moderne", "énergique",
    "sale", "pâle", "mâle", "hypocrite", "insolite", "explicite", "implicite", "illicite", "ex", "exemplaire",
    "extraordinaire", "ordinaire", "nécessaire", "volontaire", "solidaire", "humble", "adulte",
    "mince", "maigre", "chauve", "large", "tranquille", "stable", "ferme", "fragile",
    "formidable", "véritable", "célèbre", "chic", "cool", "top", "super", "bilingue", "trilingue",
}
INVARIANT_SUFFIXES = ("able", "ible", "ique", "iste", "aire", "ième", "phe", "logue", "gue", "ome", "ile", "ide")
# Regular endings of adjectives and past participles: feminine -> masculine. Checked in order.
F2M_ENDINGS = (
    ("ée", "é"), ("ie", "i"), ("ue", "u"), ("aise", "ais"), ("ise", "is"), ("crite", "crit"), ("uite", "uit"),
    ("dite", "dit"), ("ive", "if"), ("elle", "el"), ("enne", "en"), ("onne", "on"), ("ière", "ier"),
    ("gère", "ger"), ("ale", "al"), ("ante", "ant"), ("ente", "ent"), ("ine", "in"), ("euse", "eux"),
    ("atrice", "ateur"), ("ctrice", "cteur"), ("aite", "ait"), ("use", "us"), ("ite", "it"), ("arde", "ard"),
    ("ande", "and"), ("onde", "ond"), ("ourde", "ourd"), ("aude", "aud"), ("oide", "oid"), ("ate", "at"),
    ("ote", "ot"), ("ure", "ur"),
)
# Word endings that are feminine forms but whose masculine the table does not know for sure.
F2M_UNSURE = {"ite", "ote", "ure", "ine", "ate", "use"}
# Masculine -> feminine, checked in order; None: the feminine is not regular (-eur: travailleuse,
# meilleure, créatrice; -et: muette, complète; -in, -at, -ot, -ur, -it: also nouns such as médecin,
# soldat, crédit), so only the table knows it.
M2F_ENDINGS = (
    ("eur", None), ("et", None), ("é", "ée"), ("ais", "aise"), ("ois", "oise"), ("is", "ise"), ("crit", "crite"), ("uit", "uite"),
    ("dit", "dite"), ("ait", "aite"), ("i", "ie"), ("u", "ue"), ("if", "ive"), ("el", "elle"), ("ien", "ienne"),
    ("éen", "éenne"), ("en", "enne"), ("on", "onne"), ("ier", "ière"), ("ger", "gère"), ("al", "ale"),
    ("ant", "ante"), ("ent", "ente"), ("eux", "euse"), ("us", "use"), ("ard", "arde"), ("and", "ande"),
    ("ond", "onde"), ("ourd", "ourde"), ("aud", "aude"),
)
# Words ending like an adjective that are not (adverbs, nouns, function words).
NOT_ADJ = {
    "ici", "aussi", "ainsi", "parmi", "merci", "midi", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
    "samedi", "aujourd", "depuis", "puis", "mais", "jamais", "dessus", "dessous", "plus", "moins", "tous",
    "sous", "sur", "vers", "chez", "dans", "très", "trop", "tout", "bien", "mal", "peu", "déjà", "encore",
    "toujours", "souvent", "parfois", "là", "partout", "ensemble", "personne", "rien", "au", "aux",
    "du", "des", "en", "un", "une", "le", "la", "les", "l'", "de", "d'", "à", "et", "ou", "ni", "que", "qu'",
    "qui", "dont", "où", "car", "donc", "or", "si", "s'", "on", "son", "sa", "ses", "mon", "ma", "mes", "ton",
    "ta", "tes", "notre", "votre", "leur", "leurs", "ce", "cet", "cette", "ces", "pour", "par", "avec", "sans",
    "contre", "selon", "pendant", "durant", "après", "avant", "comme", "entre", "lui", "elle", "il", "ils",
    "elles", "eux", "nous", "vous", "je", "j'", "tu", "y", "ne", "n'", "pas", "point", "ans", "an", "fois",
    "mois", "jours", "semaines", "années", "heures", "temps", "hier", "demain", "tard", "tôt", "vite",
    "enfin", "alors", "ensuite", "cependant", "pourtant", "toutefois", "néanmoins", "surtout", "environ",
    "presque", "beaucoup", "assez", "également", "désormais", "actuellement", "notamment", "quelque",
}
# Common verbs of hiring and credit texts that follow a subject and end like a feminine adjective.
VERBS = {
    "travaille", "travaillait", "gère", "gérait", "dirige", "présente", "représente", "organise", "réalise",
    "utilise", "mérite", "continue", "étudie", "souhaite", "possède", "complète", "considère", "préfère",
    "espère", "apporte", "accompagne", "encadre", "enseigne", "supervise", "coordonne", "assure", "cherche",
    "recherche", "demande", "habite", "vit", "donne", "aime", "parle", "maîtrise", "connaît", "sait", "fait",
    "dit", "écrit", "lit", "élève", "élevait", "reçoit", "obtient", "vient", "devient", "tient", "prend",
    "rejoint", "quitte", "occupe", "exerce", "garde", "confie", "recommande", "soutient", "partage", "paie",
    "rembourse", "emprunte", "loue", "veut", "peut", "doit", "va", "part", "sort", "pense", "trouve", "gagne",
    "dispose", "postule", "signe", "explique", "ajoute", "décrit", "prépare", "termine",
    "commence", "suit", "note", "affirme", "souligne", "confirme", "estime", "juge", "apprécie",
}
# Words that may stand between a copula and its adjective, or before an adjective.
ADVERBS = {
    "très", "trop", "si", "assez", "bien", "fort", "plutôt", "vraiment", "toujours", "encore", "déjà", "aussi",
    "plus", "moins", "pas", "jamais", "guère", "point", "parfois", "souvent", "tellement", "particulièrement",
    "extrêmement", "également", "désormais", "enfin", "finalement", "alors", "ensuite", "récemment",
    "rapidement", "bientôt", "longtemps", "peu", "presque", "vite",
}
# Adjectives that come before the noun (besides the adverbs above).
PRE_ADJ = {
    "bonne", "bon", "belle", "beau", "bel", "nouvelle", "nouveau", "nouvel", "vieille", "vieux", "vieil",
    "grande", "grand", "petite", "petit", "jeune", "ancienne", "ancien", "première", "premier", "dernière",
    "dernier", "seule", "seul", "chère", "cher", "future", "futur", "meilleure", "meilleur", "excellente",
    "excellent", "vraie", "vrai", "autre", "même", "ex", "brave", "pauvre", "fidèle", "véritable", "formidable",
    "jolie", "joli", "actuelle", "actuel", "fière", "fier", "unique", "deuxième", "troisième",
    "précieuse", "précieux", "merveilleuse", "merveilleux", "talentueuse", "talentueux", "sacrée", "sacré",
}
NUMBERS = {"deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze"}
COORDINATORS = {"et", "ou", "mais", "ni"}

# --- copulas -------------------------------------------------------------------------------------
# Finite forms after which an adjective or participle agrees with the subject.
COPULAS = {
    "est", "sont", "était", "étaient", "sera", "seront", "serait", "seraient", "soit", "soient", "fut", "furent",
    "être", "devient", "deviennent", "devenait", "devenir", "deviendra", "reste", "restent", "restait", "rester",
    "restera", "semble", "semblent", "semblait", "sembler", "paraît", "paraissait", "demeure",
}
# Copulas after a reflexive "se": "elle se montre motivée", "elle s'est révélée".
REFLEXIVE_COPULAS = {"montre", "montrait", "sent", "sentait", "révèle", "révélait", "trouve", "trouvait",
                     "déclare", "dit", "est", "sont", "était"}
# Participles of copulas: the chain goes on after them ("elle est devenue directrice").
COPULA_PARTICIPLES = {"devenu", "resté", "demeuré", "montré", "révélé", "senti", "trouvé", "déclaré"}
COPULA_PARTICIPLES = {form for stem in COPULA_PARTICIPLES for form in (stem, stem + "e", stem + "s", stem + "es")}
INVARIANT_PARTICIPLES = {"été", "semblé", "paru"}  # after avoir: they do not agree
AVOIR = {"a", "ai", "as", "avons", "avez", "ont", "avait", "avaient", "aura", "auront", "aurait", "auraient",
         "avoir", "ayant", "eu", "eut"}
MODALS = {"doit", "doivent", "devait", "devrait", "peut", "peuvent", "pouvait", "pourrait", "va", "vont",
          "allait", "veut", "voulait", "souhaite", "aimerait", "semble", "semblait", "paraît", "espère",
          "compte", "pense", "sait", "savait", "faut"}
# Adjectives in -ent (other words in -ent after a noun may be verbs: "son père et son frère travaillent").
ENT_ADJECTIVES = {
    "compétent", "incompétent", "excellent", "patient", "impatient", "prudent", "imprudent", "présent", "absent",
    "intelligent", "différent", "récent", "urgent", "violent", "indulgent", "diligent", "efficient", "cohérent",
    "pertinent", "permanent", "éminent", "innocent", "décent", "transparent", "conscient", "inconscient",
    "content", "mécontent", "lent", "insolent", "fréquent", "évident", "ardent", "fervent", "équivalent",
    "apparent", "polyvalent", "réticent", "précédent", "compétent", "éloquent", "ambivalent", "influent",
    "résident", "omniprésent", "adolescent", "indépendent", "confident", "prévalent", "déficient", "suffisent",
}
# Adjectives in -ant, common after a role noun (other -ant words may be present participles).
ANT_ADJECTIVES = {
    "indépendant", "dépendant", "bienveillant", "brillant", "souriant", "exigeant", "charmant", "élégant",
    "performant", "important", "puissant", "méfiant", "confiant", "tolérant", "vigilant", "sortant", "entrant",
    "suppléant", "remplaçant", "intéressant", "passionnant", "motivant", "rassurant", "accueillant", "galant",
    "pédant", "arrogant", "prévoyant", "prévenant", "attachant", "stimulant", "marquant", "débutant", "étudiant",
    "militant", "dirigeant", "enseignant", "consultant", "gérant", "assistant", "commerçant", "doctorant",
}
ANT_ADJECTIVES |= {word + "s" for word in ANT_ADJECTIVES}
# Plural forms of the verbs above: after a singular subject they tell a coordinated subject.
PLURAL_VERBS = {"sont", "étaient", "seront", "seraient", "soient", "furent", "deviennent", "devenaient", "restent",
                "restaient", "semblent", "semblaient", "paraissent", "demeurent", "montrent", "sentent", "révèlent",
                "trouvent", "ont", "avaient", "auront", "auraient", "doivent", "devaient", "devraient", "peuvent",
                "pouvaient", "pourraient", "vont", "allaient", "veulent", "voulaient", "souhaitent", "aimeraient"}
INFINITIVE_COPULAS = {"être", "devenir", "rester", "sembler", "paraître", "demeurer"}
# Clitics that may stand between a subject and its verb.
CLITICS = {"ne", "n'", "se", "s'", "me", "m'", "te", "t'", "nous", "vous", "lui", "leur", "y", "en", "les"}
SUBJECT_PRONOUNS = {"je", "j'", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles"}
PREPOSITIONS = {
    "avec", "pour", "chez", "sans", "par", "contre", "selon", "envers", "entre", "après", "avant", "derrière",
    "devant", "vers", "sur", "sous", "de", "d'", "à", "comme", "sauf", "malgré", "parmi", "près", "auprès",
    "grâce", "quant", "pendant", "excepté", "hormis",
}
# An impersonal "il" ("il faut", "il s'agit", "il y a", "il est important de"): it stays.
IMPERSONAL_VERBS = {"faut", "fallait", "faudra", "faudrait", "fallu", "pleut", "suffit", "suffisait", "importe",
                    "convient"}
IMPERSONAL_ADJECTIVES = {"temps", "question", "nécessaire", "possible", "impossible", "important", "probable",
                         "improbable", "évident", "clair", "préférable", "dommage", "utile", "indispensable",
                         "essentiel", "urgent", "vrai", "rare", "normal", "difficile", "facile", "intéressant",
                         "regrettable", "souhaitable", "juste", "logique", "naturel", "certain", "sûr"}
CLAUSE_WORDS = {"que", "qu'", "qui", "car", "mais", "lorsque", "lorsqu'", "quand", "parce", "puisque",
                "puisqu'", "si", "s'", "dont", "où"}
# Nouns before which "client" is a modifier, not a person: "le service client", "la relation client".
CLIENT_HEADS = {"service", "services", "relation", "relations", "espace", "expérience", "satisfaction", "fichier",
                "fichiers", "portefeuille", "support", "parcours", "compte", "comptes", "base", "accueil", "suivi",
                "conseiller", "conseillère", "chargé", "chargée", "dossier", "dossiers", "orientation", "besoins",
                "retours", "poste"}
# Nouns before which "infirmier" is an adjective of a thing, not a person: "les soins infirmiers".
NURSING_HEADS = {"soin", "soins", "personnel", "personnels", "équipe", "équipes", "service", "services", "diplôme",
                 "diplômes", "formation", "formations", "école", "écoles", "études", "métier", "métiers", "cadre"}
H_ASPIRE = {"haut", "haute", "hardi", "hardie", "héros", "hollandais", "hollandaise", "hongrois", "hongroise",
            "honteux", "honteuse", "hideux", "hideuse", "hâtif", "hâtive", "hautain", "hautaine", "hargneux"}
VOWELS = "aeiouyàâäéèêëîïôöûüœæ"


def starts_with_vowel(word: str) -> bool:
    """Elision and the forms bel/cet/mon follow the sound: a vowel or a mute h."""
    word = word.lower()
    if not word:
        return False
    if word[0] in VOWELS:
        return True
    return word[0] == "h" and word.split("-")[0] not in H_ASPIRE


def _invariant(word: str) -> bool:
    return word in ADJ_INVARIANT or word.endswith(INVARIANT_SUFFIXES)


def masculine_of(word: str) -> str | None:
    """The masculine of a feminine adjective or participle (singular or plural), None if unknown."""
    if _invariant(word):
        return word
    if word in ADJ_F2M:
        return ADJ_F2M[word]
    if word.endswith("s") and len(word) > 3:
        singular = masculine_of(word[:-1])
        if singular is None:
            return None
        return plural_of(singular)
    for feminine, masculine in F2M_ENDINGS:
        if word.endswith(feminine) and len(word) > len(feminine) and feminine not in F2M_UNSURE:
            return word[: -len(feminine)] + masculine
    return None


def feminine_of(word: str, plural: bool = False) -> str | None:
    """The feminine of a masculine adjective or participle, None if unknown."""
    if plural:
        if word.endswith("aux") and word[:-3] + "al" in _M2F_KNOWN_AL:
            return word[:-3] + "ales"
        if word.endswith(("eaux",)):
            singular = feminine_of(word[:-1])
            return singular + "s" if singular else None
        if word.endswith("s"):
            singular = feminine_of(word if s_singular(word) else word[:-1])
        elif word.endswith("x"):
            singular = feminine_of(word)
        else:
            return None
        return singular + "s" if singular else None
    if word in ADJ_M2F:
        return ADJ_M2F[word]
    if _invariant(word) or word.endswith("e"):
        return word
    if word.endswith(("is", "us")) and not s_singular(word):
        return None  # a plural ("réussis", "venus"), not a singular in -is/-us ("admis", "confus")
    for masculine, feminine in M2F_ENDINGS:
        if word.endswith(masculine) and len(word) > len(masculine):
            return None if feminine is None else word[: -len(masculine)] + feminine
    return None


# Masculine singulars that end in -s (the plural is the same): "admis", "anglais", "confus".
S_SINGULAR = {"assis", "gris", "exquis", "épris", "inclus", "exclus", "reclus", "confus", "obtus", "diffus", "intrus",
              "perclus", "précis", "concis", "indécis", "divers", "pervers", "épars", "gras", "bas", "las", "gros",
              "épais", "frais", "mauvais", "clos", "dispos", "ras"}
S_SINGULAR_SUFFIXES = ("mis", "pris", "quis", "ais", "ois")


def s_singular(word: str) -> bool:
    return word in S_SINGULAR or word.endswith(S_SINGULAR_SUFFIXES)


_M2F_KNOWN_AL = {"loyal", "idéal", "génial", "cordial", "original", "normal", "principal", "social", "général",
                 "libéral", "national", "international", "amical", "jovial", "vital", "global", "central"}


def plural_of(masculine: str) -> str:
    if masculine.endswith(("s", "x")):
        return masculine
    if masculine.endswith("eau") or masculine.endswith("eu"):
        return masculine + "x"
    if masculine.endswith("al") and masculine not in ("banal", "fatal", "natal", "final"):
        return masculine[:-2] + "aux"
    return masculine + "s"


def looks_feminine(word: str) -> bool:
    """An unknown word with a feminine ending: in an agreeing position its masculine is unknown."""
    stem = word[:-1] if word.endswith("s") else word
    return stem.endswith(("ée", "ie", "ue", "euse", "ive", "elle", "enne", "onne", "ette", "ante", "ente",
                          "ère", "ète", "ise", "ite", "ale", "aise", "rice", "eure", "ine", "esse", "ouse", "inte", "unte",
                          "ote", "ate", "ure", "arde", "ande", "aude", "onde", "ourde", "ouce", "che", "que"))


def looks_masculine(word: str) -> bool:
    """An unknown word with a masculine adjective or participle ending."""
    stem = word[:-1] if word.endswith("s") else word
    return stem.endswith(("é", "i", "u", "is", "it", "if", "el", "en", "on", "et", "ant", "ent", "int", "unt", "ier", "er",
                          "al", "ais", "eur", "eux", "in", "aux", "ard", "and", "ond", "ot", "at", "us", "ur"))


class French(Grammar):
    code = "fr"

    def swap(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        """As ``Grammar.swap``, but an edit that spans several words ("la tante" -> "l'oncle", "de la"
        -> "du") replaces the edits of the words it covers."""
        edits = super().swap(words, terms, gender)
        spans = [edit for edit in edits if edit.last > edit.first]
        return [edit for edit in edits
                if not any(span is not edit and span.first <= edit.first <= span.last for span in spans)]

    def agree(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        return _Swap(words, terms, gender).run()


class _Swap:
    """One text's agreement: the edits found so far, by the index of their first word."""

    def __init__(self, words: list[Word], terms: list[Term], gender: Gender):
        self.words, self.terms, self.gender = words, terms, gender
        self.to_masc = gender == MASC
        self.norm = [word.norm for word in words]
        self.term_at = {index: term for term in terms for index in range(term.first, term.last + 1)}
        self.edits: dict[int, Edit] = {}
        self.seul: list[int] = []  # "vit seule": agrees with the subject of any verb
        self.resolved: set[int] = set()  # copulas whose subject the rules have found
        self.apostrophe = "’" if any("’" in word.text for word in words) else "'"

    # --- helpers -----------------------------------------------------------------------------
    # ``words_of`` keeps no punctuation: only the gap between two words tells it. A gap of one
    # character is a space (or a hyphen), a longer one holds punctuation; the last word is followed
    # by the end of the text.
    def gap(self, index: int) -> int:
        """Characters between word ``index`` and the next (a large number after the last word)."""
        if index < 0 or index + 1 >= len(self.words):
            return 99
        return self.words[index + 1].start - self.words[index].end

    def punctuation_after(self, index: int) -> bool:
        return punctuation_after(self.words, index)

    def word(self, index: int) -> str:
        return self.norm[index] if 0 <= index < len(self.norm) else ""

    def new(self, index: int) -> str:
        """A word's form after the swap."""
        if index in self.edits:
            return self.edits[index].text
        if index in self.term_at:
            term = self.term_at[index]
            return term.replacement if index == term.first and term.replacement else self.norm[index]
        return self.norm[index]

    def set(self, first: int, last: int, text: str) -> None:
        self.edits[first] = Edit(first, last, text)

    def elide(self, text: str) -> str:
        return text.replace("'", self.apostrophe)

    def capitalised_name(self, index: int) -> bool:
        """A capitalised word after a plain space: a name, not an adjective."""
        text = self.words[index].text
        return index > 0 and text[:1].isupper() and not text.isupper() and self.gap(index - 1) == 1

    def inverted(self, index: int) -> bool:
        """A subject pronoun after its verb: "a-t-elle", "est-il" (not "c'est elle")."""
        prev = self.word(index - 1)
        if self.gap(index - 1) != 1:
            return False
        return prev == "t" or (prev in COPULAS | AVOIR | MODALS and self.word(index - 2) not in ("c'", "ce", "n'"))

    # --- run -----------------------------------------------------------------------------------
    def run(self) -> list[Edit]:
        self.check_whole_text()
        for term in self.terms:
            self.term(term)
        self.check_unresolved_predicates()
        for index in self.seul:
            if index not in self.edits:
                raise Unsafe("seul may agree with the person")
        return list(self.edits.values())

    def check_whole_text(self) -> None:
        """Words that may stand for the person but whose referent the rules cannot tell."""
        for index, word in enumerate(self.norm):
            if word in (("seule", "seules") if self.to_masc else ("seul", "seuls")) and self.word(index - 1) not in \
                    set(DET_F2M) | set(DET_M2F) | PLURAL_DETS | {ELIDED_ARTICLE} and index - 1 not in self.term_at:
                self.seul.append(index)
            if word in ("un", "une", "unes", "uns") and self.word(index - 1) in (ELIDED_ARTICLE, "les") \
                    and index not in self.term_at:
                raise Unsafe("l'une/l'un may stand for the person")
            if self.to_masc and word in ("celle", "celles"):
                raise Unsafe("celle may stand for the person")
            if not self.to_masc and word in ("celui", "ceux"):
                raise Unsafe("celui may stand for the person")
            if word in ("la", "le", ELIDED_ARTICLE) and self.clitic(index):
                if word == ("la" if self.to_masc else "le"):
                    raise Unsafe(f"object pronoun {word!r} may stand for the person")
                if word == ELIDED_ARTICLE and self.word(index + 1) in AVOIR and self.participle_after(index + 1):
                    raise Unsafe("object pronoun l' with a participle that agrees with it")
            if word in AVOIR and index not in self.term_at:
                following = self.participle_after(index)
                if following is not None and self.to_masc and looks_feminine(self.norm[following]):
                    raise Unsafe("past participle agrees with a preceding object")

    def participle_after(self, index: int) -> int | None:
        """The word after a form of avoir (adverbs skipped) if it looks like a past participle."""
        nxt = index + 1
        while self.word(nxt) in ADVERBS:
            nxt += 1
        word = self.word(nxt)
        if not word or nxt in self.term_at or word in NOT_ADJ or word in INVARIANT_PARTICIPLES:
            return None
        stem = word[:-1] if word.endswith("s") else word
        if stem.endswith(("ée", "é", "ie", "ue", "ise", "uite", "crite", "dite", "ite")) or (
            stem.endswith(("i", "u", "is", "it")) and len(stem) > 2
        ):
            return nxt
        return None

    def clitic(self, index: int) -> bool:
        """le/la/l' as an object pronoun, not an article."""
        prev, nxt = self.word(index - 1), self.word(index + 1)
        if prev in SUBJECT_PRONOUNS or prev in ("ne", "n'", "me", "m'", "te", "t'", "qui", "nous", "vous"):
            return True
        if nxt in ("lui", "leur", "y", "en") or not nxt:
            return True
        if (index - 1 in self.term_at or self.capitalised_name(index - 1)) and nxt not in ("plus", "moins") \
                and index + 1 not in self.term_at and self.gap(index - 1) == 1:
            return True  # "la directrice la remplace": no article follows a noun
        if index + 1 not in self.term_at and (nxt in VERBS or nxt in AVOIR or nxt in COPULAS):
            return True  # "l'a recommandée", "le connaît"
        if self.punctuation_after(index):
            return True  # imperative or end: "recommandez-la."
        if prev in PREPOSITIONS | MODALS and index + 1 not in self.term_at and re.search(r"(er|ir)$", nxt) \
                and not nxt.endswith("ier") and len(nxt) > 4:
            return True
        return False

    # --- terms ---------------------------------------------------------------------------------
    def term(self, term: Term) -> None:
        word = " ".join(self.norm[term.first : term.last + 1])
        if word in ("elle", "elles"):
            return self.feminine_pronoun(term.first, word == "elles")
        if word in ("il", "ils"):
            return self.masculine_pronoun(term.first, word == "ils")
        if word == "lui":
            return self.lui(term.first)
        if word in ("eux", "elle même", "elles mêmes", "lui même", "eux mêmes"):
            return
        if word in ("client", "clients", "cliente", "clientes") and self.word(term.first - 1) in CLIENT_HEADS \
                and not self.punctuation_after(term.first - 1):
            self.set(term.first, term.last, word)  # "service client": a noun used as a modifier stays
            return
        if word.startswith("infirmi") and self.word(term.first - 1) in NURSING_HEADS \
                and not self.punctuation_after(term.first - 1):
            self.set(term.first, term.last, word)  # "soins infirmiers": an adjective of the care stays
            return
        self.noun(term)

    def stressed(self, index: int) -> bool | None:
        """Whether a pronoun is the stressed form ("avec elle"), the subject, or (None) unclear."""
        prev = self.word(index - 1)
        if self.inverted(index):
            return False  # inversion: "est-elle", "a-t-il"
        if prev in PREPOSITIONS and not self.word(index + 1) in ("ne", "n'"):
            return True
        if prev in ("est", "était", "sera", "serait", "fut", "sont", "pas") and (
            self.word(index - 2) in ("c'", "ce", "n'") or self.word(index - 3) == "c'"
        ):
            return True
        if self.word(index + 1) in ("et", "aussi", "seule", "seul", "même") and not self.punctuation_after(index):
            return True
        if prev in ("et", "ou"):
            two = self.word(index - 2)
            if index - 2 in self.term_at or two in ("moi", "toi", "lui", "eux") or (
                index >= 2 and self.capitalised_name(index - 2)
            ):
                # "Paul et elle sont venus" (stressed) or "... est infirmière et elle travaille" (subject)
                nxt = self.word(index + 1)
                if nxt in PLURAL_VERBS and self.word(index) in ("elles", "ils"):
                    raise Unsafe("pronoun after et: subject or stressed")
                if self.punctuation_after(index) or nxt in PLURAL_VERBS or nxt in PREPOSITIONS:
                    return True
                if nxt in CLITICS or nxt in COPULAS or nxt in AVOIR or nxt in MODALS or nxt in VERBS:
                    return False
                raise Unsafe("pronoun after et: subject or stressed")
            if self.word(index + 1) in PLURAL_VERBS and self.word(index) not in ("elles", "ils"):
                return True  # "son mari et elle sont ..."
            return False
        if self.punctuation_after(index):
            return None  # "Elle, elle ..." or "Elle, cependant, ..."
        return False

    def feminine_pronoun(self, index: int, plural: bool) -> None:
        stressed = self.stressed(index)
        if stressed is None:
            raise Unsafe("elle before a comma: subject or stressed pronoun")
        if stressed:
            self.set(index, index, "eux" if plural else "lui")
            if self.word(index + 1) == "qui" and not self.punctuation_after(index):
                self.subject(index + 1, plural)  # "c'est elle qui est la plus expérimentée"
            elif self.word(index + 1) in PLURAL_VERBS and not self.punctuation_after(index):
                self.subject(index, plural)  # "Marie et elle sont venues"
            return
        self.set(index, index, "ils" if plural else "il")
        if self.word(index - 1) == "si":  # "si elle" -> "s'il"
            self.set(index - 1, index, self.elide("s'il" + ("s" if plural else "")))
        self.subject(index, plural)

    def masculine_pronoun(self, index: int, plural: bool) -> None:
        if not plural and self.impersonal(index):
            self.set(index, index, "il")
            return
        new = "elles" if plural else "elle"
        if self.word(index - 1) == "s'":  # "s'il" -> "si elle"
            self.set(index - 1, index, "si " + new)
        self.set(index, index, new)
        self.subject(index, plural)

    def impersonal(self, index: int) -> bool:
        nxt = index + 1
        while self.word(nxt) in ("ne", "n'"):
            nxt += 1
        word = self.word(nxt)
        if word in IMPERSONAL_VERBS or (word == "s'" and self.word(nxt + 1) in ("agit", "agissait", "agira")):
            return True
        if word == "y" and self.word(nxt + 1) in ("a", "avait", "aura", "aurait", "eut"):
            if self.participle_after(nxt + 1) is not None and self.word(nxt + 2) != "eu":
                raise Unsafe("il y a: impersonal or personal")
            return True
        if word in ("semble", "semblait", "paraît", "paraissait") and self.word(nxt + 1) in ("que", "qu'"):
            return True
        if word in ("est", "était", "sera", "serait"):
            adjective = nxt + 1
            while self.word(adjective) in ADVERBS:
                adjective += 1
            follow = self.word(adjective + 1)
            if follow in ("de", "d'", "que", "qu'"):
                if self.word(adjective) in IMPERSONAL_ADJECTIVES:
                    return True
                raise Unsafe("il est ... de/que: impersonal or personal")
            if self.word(adjective) == "temps":
                return True
        return False

    def lui(self, index: int) -> None:
        """Stressed "lui" becomes "elle"; the unmarked indirect object stays."""
        prev, nxt = self.word(index - 1), self.word(index + 1)
        if prev in PREPOSITIONS and self.gap(index - 1) <= 1:
            if re.search(r"(er|ir|re)$", nxt) and index + 1 not in self.term_at and nxt not in NOT_ADJ:
                self.set(index, index, "lui")  # "pour lui dire": indirect object of the infinitive
                return
            self.set(index, index, "elle")
            return
        stressed = self.stressed(index)
        if stressed and prev not in SUBJECT_PRONOUNS | CLITICS:
            self.set(index, index, "elle")
            if nxt == "qui" and not self.punctuation_after(index):
                self.subject(index + 1, False)  # "c'est lui qui est le plus expérimenté"
            elif nxt in PLURAL_VERBS and not self.punctuation_after(index):
                self.subject(index, False)  # "Paul et lui sont venus"
            return
        self.set(index, index, "lui")

    # --- subjects and predicates ---------------------------------------------------------------
    def subject(self, index: int, plural: bool) -> None:
        """The predicate of a subject (pronoun or noun phrase ending at ``index``)."""
        nxt = index + 1
        reflexive = False
        while self.word(nxt) in CLITICS:
            reflexive = reflexive or self.word(nxt) in ("se", "s'")
            nxt += 1
        word = self.word(nxt)
        if self.word(nxt + 1) in ("seul", "seule", "seuls", "seules"):
            new = self.adjective(nxt + 1, plural)
            if new != self.word(nxt + 1):
                self.set(nxt + 1, nxt + 1, new)
        if self.word(index) in SUBJECT_PRONOUNS and self.inverted(index) and self.word(index - 1) in COPULAS:
            self.resolved.add(index - 1)
            self.chain(index + 1, plural)
            return
        if word in COPULAS or (reflexive and word in REFLEXIVE_COPULAS):
            self.resolved.add(nxt)
            self.chain(nxt + 1, self.number(nxt, nxt + 1, plural))
        elif word in AVOIR and self.word(nxt + 1) in INVARIANT_PARTICIPLES:
            self.resolved.add(nxt)
            self.chain(nxt + 1, self.number(nxt, nxt + 1, plural))
        elif word in MODALS:
            after = nxt + 1
            while self.word(after) in CLITICS:
                after += 1
            if self.word(after) in INFINITIVE_COPULAS:
                self.resolved.add(after)
                self.chain(after + 1, self.number(nxt, after + 1, plural))

    def number(self, verb: int, start: int, plural: bool) -> bool:
        """The number a predicate agrees in. A plural verb after a singular subject has a coordinated
        subject ("sa mère et sa sœur sont venues"): a masculine member makes the predicate masculine
        plural, but a feminine plural needs every member feminine, which the rules cannot tell."""
        if plural or self.word(verb) not in PLURAL_VERBS:
            return plural
        if not self.to_masc and self.chain(start, True, dry=True):
            raise Unsafe("coordinated subject: the predicate may agree with another person")
        return True

    def chain(self, index: int, plural: bool, dry: bool = False) -> bool:
        """A copula's predicate from ``index``: adjectives and participles agree; returns whether a
        word changes (``dry``: only tell, change nothing)."""
        changed = False
        while index < len(self.words):
            word = self.norm[index]
            if index in self.term_at:
                return changed
            if word in ("tout", "toute", "tous", "toutes"):
                new = self.tout(index, word)
                changed |= new != word
                if not dry and new != word:
                    self.set(index, index, new)
                index += 1
                if self.word(index) == "les" and self.word(index + 1) in NUMBERS:  # "toutes les deux"
                    index += 2
                elif self.word(index) in NUMBERS:  # "tous deux"
                    index += 1
                continue
            if word in ADVERBS or (word.endswith("ment") and len(word) > 6) or word in ("ne", "n'"):
                index += 1
                continue
            if word in INVARIANT_PARTICIPLES:
                index += 1
                continue
            if word in INFINITIVE_COPULAS and index - 1 in self.resolved:  # "semble être", "reste être"
                self.resolved.add(index)
                index += 1
                continue
            if word in COPULA_PARTICIPLES:
                new = self.adjective(index, plural)
                changed |= new != word
                if not dry and new != word:
                    self.set(index, index, new)
                index += 1
                continue
            if word in ("la", "le") and self.word(index + 1) in ("plus", "moins"):  # "est la plus qualifiée"
                new = "le" if self.to_masc else "la"
                changed |= new != word
                if not dry and new != word:
                    self.set(index, index, new)
                index += 2
                continue
            if word in DET_F2M or word in DET_M2F or word == ELIDED_ARTICLE:
                return changed | self.predicate_noun_phrase(index, dry)
            if word in NOT_ADJ or word in AVOIR or word in COPULAS or self.capitalised_name(index):
                return changed
            if not re.fullmatch(r"[^\W\d_]+", word):
                return changed
            new = self.adjective(index, plural)
            changed |= new != word
            if not dry and new != word:
                self.set(index, index, new)
            after = self.word(index + 1)
            if not self.punctuation_after(index) and index + 1 not in self.term_at and after not in NOT_ADJ and (
                (masculine_of(after) or after) != after if self.to_masc else
                after in ADJ_M2F or (looks_masculine(after) and (feminine_of(after) or after) != after)
            ):
                raise Unsafe(f"adjective {after!r} after the predicate")
            # coordinated adjectives: "compétente et motivée"
            link = index + 1
            if self.word(link) in COORDINATORS or (self.punctuation_after(index) and link < len(self.words)):
                if self.punctuation_after(index):
                    link = index
                candidate = link + 1
                while self.word(candidate) in ADVERBS or self.word(candidate) in ("puis", "et", "ou", "mais"):
                    candidate += 1
                cand = self.word(candidate)
                if cand and candidate not in self.term_at and cand not in NOT_ADJ and cand not in VERBS \
                        and cand not in AVOIR and cand not in COPULAS and cand not in SUBJECT_PRONOUNS \
                        and cand not in DET_F2M and cand not in DET_M2F and not self.capitalised_name(candidate):
                    index = candidate
                    continue
            return changed
        return changed

    def predicate_noun_phrase(self, index: int, dry: bool) -> bool:
        """"elle est une bonne collègue": the noun phrase agrees with the person only if its noun is a
        term (swapped with its own phrase); a gendered article before another noun cannot be told."""
        word = self.norm[index]
        look = index + 1
        while look < len(self.words) and look - index <= 3:
            if look in self.term_at:
                return False
            if self.norm[look] in PRE_ADJ or self.norm[look] in ADVERBS:
                look += 1
                continue
            break
        if word in DET_F2M or word in DET_M2F:  # "elle est la responsable", "elle est ma supérieure"
            raise Unsafe("predicate noun phrase may agree with the person")
        if word == ELIDED_ARTICLE and look < len(self.words):  # "elle est l'aînée"
            other = masculine_of(self.norm[look]) if self.to_masc else feminine_of(self.norm[look])
            if other != self.norm[look] or (self.to_masc and looks_feminine(self.norm[look])):
                raise Unsafe("predicate noun phrase may agree with the person")
        return False

    def tout(self, index: int, word: str) -> str:
        """tout/toute before an adjective: "toute seule" <-> "tout seul"."""
        if self.to_masc:
            return {"toute": "tout", "toutes": "tous"}.get(word, word)
        if word == "tous":
            return "toutes"
        if word == "tout":
            nxt = feminine_of(self.norm[index + 1]) if index + 1 < len(self.words) else None
            return "tout" if nxt is None or starts_with_vowel(nxt) else "toute"
        return word

    def adjective(self, index: int, plural: bool, next_word: str | None = None) -> str:
        """An agreeing adjective or participle in the swapped gender, or Unsafe."""
        word = self.norm[index]
        if self.to_masc:
            masculine = masculine_of(word)
            if masculine is None:
                if word in ADJ_F2M:
                    raise Unsafe(f"{word!r} has no masculine")
                if looks_feminine(word) or word.endswith("e"):
                    raise Unsafe(f"unknown word {word!r} in an agreeing position")
                return word
            if next_word is not None and masculine in ADJ_BEFORE_VOWEL and starts_with_vowel(next_word):
                return ADJ_BEFORE_VOWEL[masculine]
            return masculine
        if word in ADJ_F2M and word not in ADJ_M2F and not _invariant(word):
            return word  # already feminine (e.g. a term's agreeing neighbour)
        feminine = feminine_of(word, plural or (word.endswith(("s", "x")) and word not in ADJ_M2F
                                                and not s_singular(word) and not word.endswith(("eux", "aux"))))
        if plural and feminine is None and feminine_of(word, False) == word:
            feminine = word  # invariant ("jeune", "célibataire")
        if feminine is None:
            raise Unsafe(f"unknown word {word!r} in an agreeing position")
        return feminine

    # --- noun phrases --------------------------------------------------------------------------
    def noun(self, term: Term) -> None:
        first, last = term.first, term.last
        noun = self.norm[first] if first == last else " ".join(self.norm[first : last + 1])
        plural = self.plural(term)
        self.choose_noun(term, noun)
        new_noun = self.new(first)
        # left: adjectives before the noun, then the determiner
        left = first - 1
        pre = []
        while left >= 0 and (self.norm[left] in PRE_ADJ or self.norm[left] in ADVERBS or self.norm[left] in NUMBERS) \
                and not self.words[left].elided and left not in self.term_at:
            pre.append(left)
            left -= 1
        following = new_noun
        for index in pre:  # nearest first
            word = self.norm[index]
            if word in ADVERBS or word in NUMBERS or _invariant(word):
                following = word
                continue
            new = self.adjective(index, plural, next_word=following)
            if new != word:
                self.set(index, index, new)
            following = new
        if left >= 0 and self.norm[left] in COORDINATORS and left - 1 >= 0 and left - 1 not in self.term_at \
                and not self.punctuation_after(left - 1) and self.word(left - 1) not in NOT_ADJ \
                and self.new(first) != self.norm[first]:
            # "ma collègue et amie": the determiner before the first noun also stands for this one
            prev = left - 1
            while prev >= 0 and prev not in self.term_at and self.norm[prev] not in DET_F2M \
                    and self.norm[prev] not in DET_M2F and self.norm[prev] != ELIDED_ARTICLE and left - prev <= 3:
                prev -= 1
            if self.word(prev) in DET_F2M or self.word(prev) in DET_M2F or self.word(prev) == ELIDED_ARTICLE:
                raise Unsafe("coordinated nouns share a determiner")
        if left >= 0:
            self.determiner(left, left + 1, following, plural)
        # right: adjectives after the noun
        right = last + 1
        end = self.post_adjectives(right, plural)
        # titles: "Madame Dupont est ..."
        while end < len(self.words) and self.capitalised_name(end) and not self.punctuation_after(end - 1):
            end += 1
        # the noun phrase as a subject (not after a preposition: "le dossier de l'oncle a été ...")
        start = left if left >= 0 and (self.norm[left] in DET_F2M or self.norm[left] in DET_M2F or self.norm[left]
                                       in PLURAL_DETS or self.norm[left] in INVARIANT_DETS
                                       or self.norm[left] == ELIDED_ARTICLE) else first
        if self.word(end) in ("que", "qu'") and not self.to_masc:
            stop = end + 1
            while stop < len(self.words) and not self.punctuation_after(stop - 1):
                if self.norm[stop] in AVOIR and self.participle_after(stop) is not None:
                    raise Unsafe("participle may agree with the relative pronoun que")
                stop += 1
        if self.word(start - 1) in PREPOSITIONS or self.word(start - 1) in ("du", "au", "aux", "des") or \
                self.norm[start] in ("du", "au", "aux"):
            if self.word(end) == "qui" and not self.punctuation_after(end - 1):
                # "le dossier de la candidate qui est complet": qui may stand for either noun
                probe = end + 1
                while self.word(probe) in CLITICS:
                    probe += 1
                if self.word(probe) in COPULAS and self.chain(probe + 1, plural, dry=True):
                    raise Unsafe("relative qui after a complement: its antecedent is unclear")
            return
        if end < len(self.words):
            if self.word(end) == "qui":
                self.subject(end, plural)
            elif self.word(end) in ("de", "d'", "du", "des") and not self.punctuation_after(end - 1):
                # "la directrice de l'agence est satisfaite": the head noun is the subject
                after = self.complement_end(end)
                if after is not None:
                    self.subject(after - 1, plural)
            else:
                if self.punctuation_after(end - 1) and self.word(end) not in COPULAS:
                    return
                self.subject(end - 1, plural)

    def complement_end(self, index: int) -> int | None:
        """The index after a short complement "de l'agence", "du magasin", "de Paul" that ends before
        a verb, or None."""
        look = index + 1
        if self.norm[index] in ("de", "d'") and self.word(look) in set(DET_F2M) | set(DET_M2F) | PLURAL_DETS | {ELIDED_ARTICLE} \
                | INVARIANT_DETS:
            look += 1
        if look >= len(self.words) or look in self.term_at or self.punctuation_after(look - 1):
            return None
        look += 1
        if look < len(self.words) and not self.punctuation_after(look - 1) and (
                self.word(look) in COPULAS or self.word(look) in AVOIR or self.word(look) in MODALS):
            return look
        return None

    def plural(self, term: Term) -> bool:
        word = self.norm[term.last]
        if word in ("fils", "époux"):
            prev = self.first_determiner(term.first)
            if prev is None:
                raise Unsafe(f"{word!r}: singular or plural")
            return prev in PLURAL_DETS or prev in PLURAL_DET_M2F
        return word.endswith(("s", "x")) and word not in ("fils",)

    def first_determiner(self, index: int) -> str | None:
        left = index - 1
        while left >= 0 and (self.norm[left] in PRE_ADJ or self.norm[left] in ADVERBS):
            left -= 1
        if left < 0:
            return None
        word = self.norm[left]
        if word in DET_F2M or word in DET_M2F or word in PLURAL_DETS or word in PLURAL_DET_M2F or word in \
                PLURAL_DET_F2M or word in INVARIANT_DETS or word in ("du", "au", ELIDED_ARTICLE) or word in NUMBERS:
            return word
        return None

    def choose_noun(self, term: Term, noun: str) -> None:
        """The partner that depends on context: femme -> homme or mari, fille -> fils or Unsafe,
        fils -> fille or filles."""
        first, last = term.first, term.last
        det = self.first_determiner(first)
        nxt = self.word(last + 1)
        possessive = det in ("ma", "ta", "sa", "mon", "ton", "son", "notre", "votre", "leur", "mes", "tes", "ses",
                             "nos", "vos", "leurs")
        if noun in ("femme", "femmes"):
            plural = noun == "femmes"
            if nxt in ("de", "d'", "du", "des", "au"):
                if self.word(last + 2) in ("ménage", "chambre", "lettres", "affaires", "loi", "science", "sciences",
                                           "terrain", "talent", "caractère", "confiance", "foyer", "parole",
                                           "action", "pouvoir", "goût", "cœur", "coeur", "tête") or \
                        self.word(last + 2).isdigit():
                    self.set(first, last, "hommes" if plural else "homme")
                    return
                raise Unsafe("femme de ...: woman or wife")
            if possessive:
                self.set(first, last, "maris" if plural else "mari")
            return
        if noun in ("fille", "filles"):
            plural = noun == "filles"
            if possessive or det in NUMBERS or nxt in ("unique", "aînée", "cadette", "ainée") or (
                nxt in ("de", "d'", "du", "des") and not self.word(last + 2).isdigit()
            ):
                self.set(first, last, "fils")
                return
            if det in ("une", "la", "des", "les", "cette", "ces", ELIDED_ARTICLE) or det is None:
                raise Unsafe("fille: daughter or girl")
            return
        if noun == "fils":
            self.set(first, last, "filles" if self.plural(term) else "fille")

    def post_adjectives(self, index: int, plural: bool) -> int:
        """Adjectives and participles right after the noun agree; returns the index after them."""
        while index < len(self.words):
            word = self.norm[index]
            if self.punctuation_after(index - 1):
                # a list of adjectives goes on after a comma ("une employée ponctuelle, rigoureuse et
                # appréciée"); anything else ends the phrase
                if not self.words[index].text[:1].islower() or index in self.term_at or word in NOT_ADJ \
                        or not self.gendered_adjective(word):
                    return index
            if word in ("la", "le") and self.word(index + 1) in ("plus", "moins"):
                self.set(index, index, "le" if self.to_masc else "la")  # "l'employée la plus ancienne"
                index += 2
                continue
            if index in self.term_at or word in NOT_ADJ or word in VERBS or word in AVOIR or word in COPULAS \
                    or self.capitalised_name(index) or word in DET_F2M or word in DET_M2F or word in NUMBERS:
                return index
            if not self.to_masc and word.endswith("ent") and word not in ADJ_M2F:
                # "les vendeurs travaillent": a plural noun's adjective ends in -ents, so -ent is a verb
                if plural:
                    return index
                if word not in ENT_ADJECTIVES:
                    raise Unsafe(f"{word!r} after the noun: verb or adjective")
            if word.endswith(("ant", "ants")) and not self.to_masc:
                # a present participle does not agree ("une candidate possédant une solide expérience",
                # "la directrice, travaillant seule, ..."): -ant is an adjective only where nothing
                # follows it in the phrase
                after = self.word(index + 1)
                if after in DET_F2M or after in DET_M2F or after in PLURAL_DETS or after in NUMBERS or after in (
                        "du", "des", ELIDED_ARTICLE, "les", "le", "la", "lui", "leur", "se", "s'", "y"):
                    return index
                if not (word in ANT_ADJECTIVES or plural_of(word) in ANT_ADJECTIVES
                        or self.punctuation_after(index) or after in COORDINATORS or after in COPULAS or after in AVOIR
                        or after in VERBS or after in MODALS or after in ("qui", "que", "qu'", "dont")
                        or index + 1 in self.term_at):
                    raise Unsafe(f"{word!r}: present participle or adjective")
            if word in ADVERBS or (word.endswith("ment") and len(word) > 6):
                nxt = index + 1
                while self.word(nxt) in ADVERBS:
                    nxt += 1
                if nxt >= len(self.words) or self.word(nxt) in NOT_ADJ or nxt in self.term_at:
                    return index
                index = nxt
                continue
            if self.to_masc:
                known = masculine_of(word) is not None or word in ADJ_F2M
                if not known and not looks_feminine(word):
                    return index
            else:
                if not (word in ADJ_M2F or _invariant(word) or looks_masculine(word)):
                    return index
                if word.endswith("e") and not _invariant(word) and word not in ADJ_M2F:
                    return index  # a verb after the subject ("le directeur travaille")
            new = self.adjective(index, plural)
            if new != word:
                self.set(index, index, new)
            index += 1
            if self.word(index) in COORDINATORS and not self.punctuation_after(index - 1):
                cand = index + 1
                while self.word(cand) in ADVERBS:
                    cand += 1
                c = self.word(cand)
                if c and cand not in self.term_at and c not in NOT_ADJ and c not in VERBS and c not in AVOIR \
                        and c not in COPULAS and c not in DET_F2M and c not in DET_M2F \
                        and not self.capitalised_name(cand) and (
                            masculine_of(c) is not None or looks_feminine(c) or looks_masculine(c) or c in ADJ_M2F):
                    index = cand
        return index

    def gendered_adjective(self, word: str) -> bool:
        """A word the tables know as an adjective or participle that changes with gender."""
        if _invariant(word) or word in VERBS:
            return False
        if self.to_masc:
            return word in ADJ_F2M or (masculine_of(word) or word) != word
        return word in ADJ_M2F or (feminine_of(word, word.endswith("s") and not s_singular(word)) or word) != word

    def determiner(self, index: int, next_index: int, next_new: str, plural: bool) -> None:
        """The determiner at ``index`` before the word ``next_index`` whose new form is ``next_new``."""
        word = self.norm[index]
        vowel = starts_with_vowel(next_new)
        if plural:
            table = PLURAL_DET_F2M if self.to_masc else PLURAL_DET_M2F
            if word in table:
                self.set(index, index, table[word])
            if word in ("les", "des", "ces", "mes", "ses") and self.word(index - 1) in (table.keys() | table.values()):
                prev = self.norm[index - 1]
                if prev in table:
                    self.set(index - 1, index - 1, table[prev])
            return
        if word == ELIDED_ARTICLE:
            if vowel:
                return
            if self.word(index - 1) in ("de", "à") and self.to_masc:
                self.set(index - 1, index, "du " if self.word(index - 1) == "de" else "au ")
                return
            self.set(index, next_index, ("le " if self.to_masc else "la ") + next_new)
            return
        if word in ("du", "au"):
            if self.to_masc:
                return
            prep = "de" if word == "du" else "à"
            if vowel:
                self.set(index, next_index, self.elide(f"{prep} l'") + next_new)
            else:
                self.set(index, index, f"{prep} la")
            return
        if word == "la" and self.word(index - 1) in ("de", "à") and self.to_masc and not vowel:
            self.set(index - 1, index, "du" if self.word(index - 1) == "de" else "au")
            return
        table = DET_F2M if self.to_masc else DET_M2F
        if word not in table:
            if word in INVARIANT_DETS or word in ("de", "d'", "à") or word in PREPOSITIONS or word in NOT_ADJ:
                return
            if word in VERBS or word in AVOIR or word in COPULAS or index in self.term_at or index in self.edits:
                return
            prev = self.word(index - 1)
            if prev in DET_F2M or prev in DET_M2F or prev == ELIDED_ARTICLE:
                raise Unsafe(f"unknown word {word!r} between determiner and noun")
            return
        new = table[word]
        if word in ("toute", "tout", "telle", "tel") and self.word(index + 1) in ("la", "le", "une", "un", ELIDED_ARTICLE):
            return
        if vowel:
            if self.to_masc:
                new = BEFORE_VOWEL_M.get(new, new)
            else:
                new = BEFORE_VOWEL_F.get(new, new)
        if new == ELIDED_ARTICLE:
            self.set(index, next_index, self.elide("l'") + next_new)
        elif new != word:
            self.set(index, index, new)

    # --- safety net ----------------------------------------------------------------------------
    def check_unresolved_predicates(self) -> None:
        """A copula whose subject the rules did not find, in a clause with a swapped term: if its
        predicate would change, it may agree with the person -> Unsafe."""
        swapped = sorted(term.first for term in self.terms)
        for index, word in enumerate(self.norm):
            if word in AVOIR and self.word(index + 1) in INVARIANT_PARTICIPLES:
                pass  # "a été", "a semblé"
            elif word not in COPULAS or index in self.resolved:
                continue
            if index in self.resolved:
                continue
            start = index - 1
            while start >= 0 and not self.punctuation_after(start) and (
                    self.norm[start] not in CLAUSE_WORDS
                    or (self.norm[start] == "s'" and self.word(start + 1) not in ("il", "ils"))):
                start -= 1
            subject = index - 1
            while subject >= 0 and self.norm[subject] in ("ne", "n'", "se", "s'", "y", "en", "lui", "leur"):
                subject -= 1
            if (self.word(subject) in SUBJECT_PRONOUNS and self.word(subject - 1) not in PREPOSITIONS) or \
                    self.word(subject) in ("c'", "ce", "cela", "ça", "on"):
                continue
            if self.punctuation_after(subject) or (self.word(start) == "qui" and start != subject) or (
                    self.word(subject) == "qui" and subject - 1 in self.term_at):
                # the subject is further back, before an insertion ("Mme Leroy, directrice de l'école,
                # est ...") or a relative clause ("l'infirmière qui s'occupe de lui est ...")
                start = -1
            if not any(start < first < index for first in swapped):
                continue
            try:
                if self.chain(index + 1, False, dry=True):
                    raise Unsafe("predicate may agree with the person")
            except Unsafe as error:
                raise Unsafe("predicate may agree with the person") from error


GRAMMAR = French()
