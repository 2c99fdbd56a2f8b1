"""Portuguese: the words that agree with a person whose gender is swapped.

A swap changes, besides the lexicon's terms ("enfermeira" <-> "enfermeiro", "dela" <-> "dele"):
- the determiners before a swapped noun: a/o, as/os, uma/um, esta/este, essa/esse, aquela/aquele,
  the possessives minha/meu, sua/seu, nossa/nosso (they agree with the possessed noun, so "sua
  mãe" <-> "seu pai", while "seu pai" in "ela e seu pai" stays), toda/todo, outra/outro, ...; and
  the contractions da/do, na/no, à/ao, pela/pelo, duma/dum, numa/num, desta/deste, nesta/neste, ...;
- adjectives and participles before and after the noun ("uma boa enfermeira dedicada" <-> "um bom
  enfermeiro dedicado"), in a table or by their regular endings (-ado/-ada, -ido/-ida, -oso/-osa,
  -ivo/-iva, -dor/-dora, accented -ico/-ica); -ista, -e, -al, -vel and the like do not change;
- predicate adjectives and participles after ser/estar/ficar/parecer (and a few verbs like them)
  whose subject is a swapped pronoun or noun ("ela ficou cansada" <-> "ele ficou cansado").

It raises ``Unsafe`` where the form cannot be told: an object pronoun ("conheço-a", "contratá-la",
"a contrataram") that may or may not be the person; a gendered predicate whose subject is dropped
or unclear ("disse que está cansada"); a role noun that may be an adjective ("consulta médica").
Words are matched whole; punctuation and hyphens are not seen (``words_of`` drops them: "conheço-a"
is "conheço" + "a"), so a capitalised word is taken as a sentence start.
"""

from __future__ import annotations

from .grammar import OTHER, Edit, Gender, Grammar, Term, Unsafe, Word

# Determiners that agree with the noun, contractions of a preposition with an article or
# demonstrative included: feminine form -> masculine form. Read both ways.
DETERMINERS = {
    "a": "o", "as": "os", "uma": "um", "umas": "uns",
    "esta": "este", "estas": "estes", "essa": "esse", "essas": "esses", "aquela": "aquele", "aquelas": "aqueles",
    "minha": "meu", "minhas": "meus", "tua": "teu", "tuas": "teus", "sua": "seu", "suas": "seus",
    "nossa": "nosso", "nossas": "nossos", "vossa": "vosso", "vossas": "vossos",
    "toda": "todo", "todas": "todos", "outra": "outro", "outras": "outros", "alguma": "algum", "algumas": "alguns",
    "nenhuma": "nenhum", "nenhumas": "nenhuns", "certa": "certo", "certas": "certos", "muita": "muito",
    "muitas": "muitos", "pouca": "pouco", "poucas": "poucos", "tanta": "tanto", "tantas": "tantos",
    "várias": "vários", "ambas": "ambos", "cuja": "cujo", "cujas": "cujos", "duas": "dois", "mesma": "mesmo",
    "mesmas": "mesmos", "própria": "próprio", "próprias": "próprios",
}
CONTRACTIONS = {
    "da": "do", "das": "dos", "na": "no", "nas": "nos", "à": "ao", "às": "aos", "pela": "pelo", "pelas": "pelos",
    "duma": "dum", "dumas": "duns", "numa": "num", "numas": "nuns", "desta": "deste", "destas": "destes",
    "dessa": "desse", "dessas": "desses", "daquela": "daquele", "daquelas": "daqueles", "nesta": "neste",
    "nestas": "nestes", "nessa": "nesse", "nessas": "nesses", "naquela": "naquele", "naquelas": "naqueles",
    "àquela": "àquele", "àquelas": "àqueles",
}
DETERMINERS.update(CONTRACTIONS)
CONTRACTION_WORDS = set(CONTRACTIONS) | set(CONTRACTIONS.values())
# Pronouns before "de" + a plural noun phrase ("das", "dos"), which agree with it ("nenhuma das candidatas").
_QUANTIFIERS = {
    "uma": "um", "nenhuma": "nenhum", "alguma": "algum", "outra": "outro", "umas": "uns", "algumas": "alguns",
    "outras": "outros", "muitas": "muitos", "poucas": "poucos", "várias": "vários", "todas": "todos", "ambas": "ambos",
    "tantas": "tantos", "quantas": "quantos",
}
QUANTIFIERS = {word: ("feminine", other) for word, other in _QUANTIFIERS.items()} | {
    other: ("masculine", word) for word, other in _QUANTIFIERS.items()
}
# Determiners that do not change; a noun phrase may begin with them ("as suas três filhas").
PLAIN_DETERMINERS = {"cada", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "mais", "menos", "qualquer", "demais"}
# Possessives also stand after the noun ("uma amiga minha" <-> "um amigo meu").
POSSESSIVES = {"minha", "minhas", "tua", "tuas", "sua", "suas", "nossa", "nossas", "meu", "meus", "teu", "teus", "seu", "seus", "nosso", "nossos"}
# Adjectives whose endings are not regular, or too short for the ending rules: feminine singular ->
# masculine singular (plurals are made by ``plural``).
ADJECTIVES = {
    "boa": "bom", "má": "mau", "nova": "novo", "velha": "velho", "alta": "alto", "baixa": "baixo",
    "bonita": "bonito", "linda": "lindo", "loira": "loiro", "morena": "moreno", "magra": "magro",
    "gorda": "gordo", "solteira": "solteiro", "honesta": "honesto", "séria": "sério", "pronta": "pronto",
    "tranquila": "tranquilo", "segura": "seguro", "insegura": "inseguro", "sincera": "sincero",
    "perfeita": "perfeito", "correta": "correto", "direta": "direto", "aberta": "aberto", "rica": "rico",
    "ótima": "ótimo", "primeira": "primeiro", "segunda": "segundo", "terceira": "terceiro", "última": "último",
    "única": "único", "sozinha": "sozinho", "atenta": "atento", "simpática": "simpático",
    "antipática": "antipático", "lenta": "lento", "rápida": "rápido", "fria": "frio",
    "cega": "cego", "surda": "surdo", "querida": "querido", "tímida": "tímido", "limpa": "limpo",
    "franca": "franco", "justa": "justo", "exata": "exato", "madura": "maduro", "culta": "culto",
    "louca": "louco", "espanhola": "espanhol", "inglesa": "inglês", "francesa": "francês", "alemã": "alemão",
    "portuguesa": "português", "brasileira": "brasileiro", "italiana": "italiano", "americana": "americano",
    "japonesa": "japonês", "chinesa": "chinês", "holandesa": "holandês", "russa": "russo",
    "europeia": "europeu", "próxima": "próximo", "humana": "humano", "cristã": "cristão",
    "satisfeita": "satisfeito", "insatisfeita": "insatisfeito", "disposta": "disposto", "eleita": "eleito",
    "financeira": "financeiro", "estrangeira": "estrangeiro", "verdadeira": "verdadeiro", "inteira": "inteiro",
    "trabalhadora": "trabalhador", "empreendedora": "empreendedor", "conservadora": "conservador",
    "encantadora": "encantador", "cumpridora": "cumpridor", "orgulhosa": "orgulhoso", "preocupada": "preocupado",
    "cansada": "cansado", "casada": "casado", "divorciada": "divorciado", "aposentada": "aposentado",
    "adjunta": "adjunto", "antiga": "antigo", "nervosa": "nervoso", "contratada": "contratado",
    "pequena": "pequeno", "nata": "nato", "discreta": "discreto", "concreta": "concreto", "autónoma": "autónomo",
    "autônoma": "autônomo", "idónea": "idóneo", "idônea": "idôneo", "íntegra": "íntegro", "sábia": "sábio",
    "extraordinária": "extraordinário", "solidária": "solidário", "voluntária": "voluntário",
    "universitária": "universitário", "viva": "vivo", "quarta": "quarto", "quinta": "quinto", "tola": "tolo",
    "precisa": "preciso", "esperta": "esperto", "modesta": "modesto", "interina": "interino",
    "substituta": "substituto", "ateia": "ateu", "judia": "judeu", "mexicana": "mexicano", "colombiana": "colombiano",
    "argentina": "argentino", "chilena": "chileno", "peruana": "peruano", "cubana": "cubano",
    "venezuelana": "venezuelano", "angolana": "angolano", "moçambicana": "moçambicano", "galega": "galego",
    "sueca": "sueco", "grega": "grego", "turca": "turco", "ucraniana": "ucraniano", "coreana": "coreano",
    # masculine forms that do not end in -o ("catalã" <-> "catalão", "campeã" <-> "campeão")
    "catalã": "catalão", "campeã": "campeão", "cidadã": "cidadão", "anfitriã": "anfitrião", "andaluza": "andaluz",
    "dinamarquesa": "dinamarquês", "finlandesa": "finlandês", "irlandesa": "irlandês", "escocesa": "escocês",
    "tailandesa": "tailandês", "polonesa": "polonês", "norueguesa": "norueguês", "camponesa": "camponês",
    # -esa words whose masculine is -eso, not -ês
    "presa": "preso", "ilesa": "ileso", "obesa": "obeso",
    "dona": "dono", "solteirona": "solteirão", "chorona": "chorão", "patroa": "patrão",
}
ADJECTIVES_MASCULINE = {masculine: feminine for feminine, masculine in ADJECTIVES.items()}
# Portuguese has no short masculine forms before a noun ("um bom médico", "o primeiro diretor").
BEFORE_NOUN: dict[str, str] = {}
# Adjectives with one form for both genders (only listed ones let a phrase go on past them;
# "-ista", "-vel" are recognised by their ending).
INVARIANT = {
    "responsável", "amável", "eficiente", "inteligente", "jovem", "maior", "menor", "melhor", "pior",
    "feliz", "capaz", "fiel", "leal", "pontual", "profissional", "excelente", "forte", "grande",
    "humilde", "alegre", "triste", "independente", "competente", "paciente", "valente", "exemplar",
    "natural", "útil", "ideal", "especial", "geral", "principal", "atual", "pessoal", "social", "familiar",
    "doce", "pobre", "livre", "firme", "simples", "exigente", "comum", "habitual", "eficaz", "brilhante",
    "elegante", "constante", "importante", "interessante", "prudente", "coerente", "presente", "anterior",
    "superior", "legal", "formal", "cordial", "contente", "experiente", "doente", "gentil",
}
# Regular endings: feminine -> masculine, singular then plural. "-ico/-ica" only with a written
# accent ("pública", "técnica"), which tells the adjective from a verb ("publica").
ENDINGS = [
    ("adas", "ados"), ("idas", "idos"), ("osas", "osos"), ("ivas", "ivos"), ("doras", "dores"),
    ("ada", "ado"), ("ida", "ido"), ("osa", "oso"), ("iva", "ivo"), ("dora", "dor"),
]
ACCENTED = set("áéíóúâêô")
# Words with those endings that are not adjectives: nouns, verbs, pronouns.
NOT_ADJECTIVES = {
    "nada", "cada", "vida", "vidas", "comida", "saída", "medida", "partida", "bebida", "ferida", "cuida",
    "duvida", "decida", "convida", "agrada", "nado", "lado", "estado", "sido", "mercado", "cuidado", "sentido",
    "partido", "ruído", "marido", "passado", "resultado", "grado", "chegada", "entrada", "jornada",
    "temporada", "década", "ajuda", "dúvida", "moda", "esposa", "esposo", "esposas", "esposos", "motivo",
    "arquivo", "objetivo", "dado", "dada", "mercados", "resultados", "maridos", "estados", "lados", "ida",
    "computador", "jogador", "corredor", "dor", "cor", "senhora", "senhoras", "namorada", "namorado",
    "namoradas", "namorados", "empregada", "empregado", "encarregada", "encarregado", "advogada", "advogado",
}
# Adverbs that may stand inside a noun phrase or between a copula and its predicate.
ADVERBS = {
    "muito", "tão", "mais", "menos", "bastante", "extremamente", "realmente", "altamente", "especialmente",
    "verdadeiramente", "incrivelmente", "absolutamente", "totalmente", "completamente", "sempre", "também",
    "tampouco", "já", "ainda", "nunca", "jamais", "não", "bem", "mal", "demasiado", "quase", "sem", "dúvida",
    "claramente", "igualmente", "profundamente", "perfeitamente", "plenamente", "recentemente", "se",
}
# Words joining two adjectives of one noun or predicate.
JOINERS = {"e", "mas", "nem", "ou", "embora"}
# Words after which a determiner with an adjective stands alone ("é a melhor da turma").
ENDS_PHRASE = {"de", "da", "do", "que", "em", "e", "ou", "mas", "com", "para", "entre", "a"}
# Verbs whose predicate adjective agrees with the subject: ser, estar, ficar, parecer, and a few
# that act like them ("continua solteira", "permanece calma").
COPULAS = {
    "é", "são", "era", "eram", "foi", "foram", "será", "serão", "seria", "seriam", "seja", "sejam", "fosse",
    "fossem", "ser", "sido", "sendo", "está", "estão", "estava", "estavam", "esteve", "estiveram", "estará",
    "estarão", "estaria", "esteja", "estejam", "estar", "estando", "fica", "ficam", "ficou", "ficaram",
    "ficava", "ficavam", "ficará", "ficaria", "ficar", "parece", "parecem", "parecia", "pareciam", "pareceu",
    "pareceram", "parecer", "continua", "continuou", "permanece", "permaneceu",
}
# Verbs that act like a copula only with "se" ("tornou-se diretora", "sente-se orgulhosa").
SE_COPULAS = {"tornou", "torna", "tornaram", "sente", "sentiu", "sentia", "mostrou", "mostra", "declarou", "considera"}
# After a copula whose subject is the person, any word in -o/-a/-os/-as is taken as agreeing
# ("é cozinheira" <-> "é cozinheiro"), except these: nouns with one form for both genders,
# function words, and nouns that do not describe the person.
NOT_PREDICATES = {
    "polícia", "guia", "atleta", "colega", "pediatra", "psiquiatra", "astronauta", "indígena",
    "idiota", "hipócrita", "democrata", "burocrata", "membro", "testemunha", "modelo", "piloto", "criança",
    "pessoa", "vítima", "estrela", "figura", "promessa", "exemplo", "génio", "gênio", "mito", "objeto",
    "objetivo", "caso", "motivo", "fruto", "produto", "prova", "peça", "como", "quando", "onde", "porque",
    "para", "durante", "sobre", "tanto", "quanto", "algo", "nada", "pouco", "muito", "demasiado", "bastante",
    "mesmo", "mesma", "cada", "fora", "dentro", "junto", "acerca", "perto", "justo", "logo", "só", "melhor",
    "meio", "primeiro", "agora", "outro", "outra", "isto", "isso", "aquilo", "ela", "ele", "uma", "outro",
    "sempre", "hoje", "ontem", "amanhã", "aqui", "ali", "lá", "nesta", "nessa", "casa", "obra", "fora",
    "hora", "horas", "demora",
}
# Person nouns and adjectives with one form for both genders, though they end in -a/-o: after a
# copula they do not change ("é colega"), but an article before them does ("é uma colega" <->
# "é um colega"); such a phrase is left out. Words in -ista and -nte are treated the same way.
_COMMON_GENDER = {
    "polícia", "guia", "atleta", "colega", "pediatra", "psiquiatra", "geriatra", "astronauta", "indígena",
    "idiota", "hipócrita", "democrata", "burocrata", "autodidata", "autodidacta", "entusiasta", "belga", "croata",
    "cosmopolita", "nómada", "nômade", "poliglota", "patriota", "homicida", "suicida", "terapeuta",
    "fisioterapeuta", "membro", "testemunha", "modelo", "piloto", "soldado", "líder", "jovem", "cônjuge",
    "cónjuge", "intérprete", "mártir", "bebé", "bebê", "chefe", "parente",
}
# Nouns whose gender does not follow the person's: after a copula, an article before them stays
# ("ela é uma pessoa amável" <-> "ele é uma pessoa amável", "ele é um exemplo" <-> "ela é um exemplo").
FIXED_NOUNS = {
    "pessoa", "pessoas", "peça", "estrela", "figura", "referência", "fonte", "opção", "aquisição", "inspiração",
    "promessa", "vítima", "joia", "jóia", "maravilha", "bênção", "garantia", "exceção", "prioridade", "aposta",
    "escolha", "solução", "ajuda", "autoridade", "sumidade", "instituição", "mente", "parte", "máquina", "criança",
    "valia", "perda", "exemplo", "referente", "ativo", "pilar", "génio", "gênio", "encanto", "prazer", "orgulho",
    "luxo", "caso", "apoio", "motor", "valor", "trunfo", "acerto", "privilégio",
}
# Forms of "ter"/"haver" that may stand between a subject and its copula ("ela tem sido elogiada");
# "estado" is a copula only after them ("tem estado doente").
HABER = {"tem", "têm", "tinha", "tinham", "havia", "haviam", "terá", "teria", "ter", "tendo", "teve"}
# Unstressed pronouns that may stand between a subject and its verb ("ela se sente ...").
CLITICS = {"se", "me", "te", "lhe", "lhes", "nos", "vos"}
PREPOSITIONS = {"de", "com", "para", "sem", "a", "segundo", "por", "em", "entre", "sobre", "desde", "até", "contra", "perante", "após"}
# Terms that are adjectives, abstract nouns or "of her/of him": they swap alone, nothing agrees
# with them, and they are not the head of a noun phrase ("o carro dela é novo").
NOT_PERSONS = {
    "feminina", "feminino", "femininas", "femininos", "masculina", "masculino", "masculinas", "masculinos",
    "materna", "materno", "paterna", "paterno", "maternal", "paternal", "maternidade", "paternidade",
    "feminilidade", "masculinidade", "dela", "dele", "delas",
}
# Role nouns that are often adjectives ("consulta médica", "atestado médico"): matched as a
# person only after a determiner, a copula, "como" or "de" ("trabalha como médica").
ADJECTIVE_LIKE = {"médica", "médico", "médicas", "médicos"}
NOUN_MARKERS = {"como", "de", "e", "ou"}
PRONOUNS = {"ela", "ele", "elas", "eles"}
SUBJECT_PRONOUNS = PRONOUNS | {"eu", "tu", "você", "vocês", "nós", "quem"}
# Words that may follow a pronoun and agree with it ("ela mesma", "ela própria", "ela sozinha").
AFTER_PRONOUN = {"mesma", "mesmas", "própria", "próprias", "sozinha", "sozinhas", "mesmo", "mesmos", "próprio", "próprios", "sozinho", "sozinhos"}
# Object pronouns: "-la"/"-lo" ("contratá-la") are never anything else; "a"/"o" and "na"/"no"
# are also articles and contractions, and are taken as pronouns after a verb when no noun follows
# ("conheço-a há anos", "contrataram-na em 2020") or before a verb ("a contrataram").
ALWAYS_CLITICS = {"feminine": {"la", "las"}, "masculine": {"lo", "los"}}
CLITIC_ARTICLES = {"feminine": {"a", "as"}, "masculine": {"o", "os"}}
CLITIC_NASAL = {"feminine": {"na", "nas"}, "masculine": {"no"}}
VERB_ENDINGS = ("ou", "aram", "eram", "iram", "ava", "avam", "eu", "iu", "ei", "i", "aremos", "erá", "ará")
NOT_VERBS = {
    "meu", "seu", "teu", "europeu", "museu", "céu", "chapéu", "troféu", "réu", "ateu", "judeu", "pneu", "lei",
    "rei", "ou", "sou", "vou", "estou", "dou", "aqui", "ali", "daqui", "dali", "ti", "si", "mi", "táxi", "aí", "javali", "escrava", "lava", "cava", "oitava", "nova", "ava",
}
# Words in -m that are not verbs ("é muito bom no que faz": "no" is not a pronoun).
NOT_VERBS_M = {
    "bom", "um", "algum", "nenhum", "homem", "também", "bem", "sem", "quem", "além", "alguém", "ninguém", "porém",
    "jovem", "imagem", "ordem", "viagem", "mensagem", "margem", "nuvem", "garagem",
}
VERB_WORDS = {
    "conheço", "conhece", "conhecem", "recomendo", "recomendamos", "recomenda", "considero", "consideramos",
    "considera", "consideram", "descreve", "descrevem", "contrata", "contratam", "chama", "chamam", "vejo",
    "vê", "vi", "viu", "ajuda", "ajudam", "apoia", "apoiam", "admiro", "admira", "ama", "amo", "tenho",
    "tem", "acho", "quero", "quer", "querem", "encontrei", "encontrou", "indico",
}
# A word after which "a"/"o" ends a clause: no noun follows it.
CLAUSE_ENDS = {
    "que", "porque", "para", "como", "quando", "e", "mas", "ou", "em", "no", "na", "nos", "nas", "com",
    "desde", "há", "muito", "bem", "sempre", "ontem", "hoje", "logo", "depois", "antes", "imediatamente",
    "por", "pelo", "pela", "a", "o", "ao", "à", "de", "do", "da", "durante", "ainda", "também",
}


def plural(word: str) -> str:
    """A masculine or feminine singular adjective's plural ("alemão" -> "alemães", "espanhol" ->
    "espanhóis", "bom" -> "bons", "inglês" -> "ingleses")."""
    special = {
        "alemão": "alemães", "cristão": "cristãos", "catalão": "catalães", "campeão": "campeões",
        "cidadão": "cidadãos", "anfitrião": "anfitriões", "jovem": "jovens", "solteirão": "solteirões",
        "chorão": "chorões", "patrão": "patrões",
    }
    if word in special:
        return special[word]
    if word.endswith("m"):
        return word[:-1] + "ns"
    if word.endswith("ol"):
        return word[:-2] + "óis"
    if word.endswith("ês"):
        return word[:-2] + "eses"
    if word.endswith(("r", "z", "s")):
        return word + "es"
    return word + "s"


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
COMMON_GENDER = _COMMON_GENDER | {plural(word) for word in _COMMON_GENDER}
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
    return word in INVARIANT or word.endswith(("ista", "istas", "vel", "veis"))


def determiner(word: str) -> tuple[Gender, str] | None:
    """``word`` as an agreeing determiner: its gender and the other gender's form."""
    if word in DETERMINERS:
        return "feminine", DETERMINERS[word]
    for feminine, masculine in DETERMINERS.items():
        if masculine == word:
            return "masculine", feminine
    return None


class Portuguese(Grammar):
    code = "pt"

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
            if word == "mulher" and term.first and norms[term.first - 1] in ("minha", "tua", "sua", "nossa"):
                edits[term.first] = Edit(term.first, term.last, "marido")  # "sua mulher" is his wife
            if word in PRONOUNS:
                after = term.last + 1
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
            after = norms[index + 1] if index + 1 < len(norms) else ""
            title = {"feminine": "dona", "masculine": "dom"}[source]
            if word == title and index + 1 < len(words) and words[index + 1].text[:1].isupper():
                raise Unsafe(f"a title without a swap partner ({words[index].text})")  # "Dona Maria": not in the lexicon
            if word in COPULAS or (word == "estado" and before in HABER) or (word in SE_COPULAS and "se" in (before, after)):
                self._predicate(words, norms, index, term_at, owned, source, edits)
        self._alone(words, norms, source, owned)
        self._clitics(norms, source, term_at)
        return list(edits.values())

    def _before(self, norms, term, term_at, source, edits, owned) -> None:
        """Determiners, contractions and adjectives before the noun ("da nova diretora")."""
        index = term.first - 1
        adjective_seen = determiner_seen = False
        while index >= 0 and index not in term_at:
            word = norms[index]
            found = determiner(word)
            if determiner_seen and not found and word not in PLAIN_DETERMINERS:
                return  # nothing but a determiner stands before a determiner ("segundo a professora")
            if found and found[0] != source and not determiner_seen and word != "a":
                # "a chefe", "o modelo": a term of one gender said of a person of the other
                raise Unsafe(f"a determiner that does not agree with the term ({word})")
            determiner_seen = determiner_seen or bool(found) or word in PLAIN_DETERMINERS
            if found and found[0] == source:
                edits[index] = Edit(index, index, found[1])
                owned.add(index)
                if word in CONTRACTION_WORDS:
                    if word.startswith("d") and index and norms[index - 1] in QUANTIFIERS:
                        # "uma das candidatas" <-> "um dos candidatos": the pronoun agrees too
                        gender, other = QUANTIFIERS[norms[index - 1]]
                        if gender == source:
                            edits[index - 1] = Edit(index - 1, index - 1, other)
                            owned.add(index - 1)
                    return  # a preposition: the noun phrase starts here
                index -= 1
                continue
            if word in PLAIN_DETERMINERS or (found and found[0] != source and word not in CONTRACTION_WORDS):
                index -= 1
                continue
            found = adjective(word, before_noun=True, endings=False)
            if found and found[0] == source:
                edits[index] = Edit(index, index, found[2])
                owned.add(index)
                adjective_seen = True
                index -= 1
                continue
            if word in INVARIANT:
                adjective_seen = True
                index -= 1
                continue
            if adjective_seen and word in ("muito", "tão", "mais", "menos", "bastante"):
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
            found = adjective(candidate) or (determiner(candidate) if candidate in POSSESSIVES else None)
            if ahead > index and norms[ahead - 1] in ADVERBS and norms[ahead - 1] in ("não", "sem", "já"):
                if found and found[0] == source:
                    raise Unsafe(f"an adjective after a negation or adverb ({candidate})")  # "a avó, já reformada,"
                return  # "a mãe não ..." is a verb phrase
            if found and found[0] == source:
                edits[ahead] = Edit(ahead, ahead, found[-1])
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
            while norms[index] not in SUBJECT_PRONOUNS and start > 0 and norms[start - 1] not in CONTRACTION_WORDS and (
                determiner(norms[start - 1]) or norms[start - 1] in PLAIN_DETERMINERS
                or adjective(norms[start - 1], before_noun=True, endings=False) or start - 1 in owned
            ) and not (  # "segundo a professora, a aluna": the phrase starts at its determiner
                (determiner(norms[start]) or norms[start] in PLAIN_DETERMINERS)
                and not (determiner(norms[start - 1]) or norms[start - 1] in PLAIN_DETERMINERS)
            ):
                start -= 1
            before = norms[start - 1] if start else ""
            if before in PREPOSITIONS or before in CONTRACTION_WORDS:
                index = start - 2  # "a diretora da empresa": the head is before the preposition
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
            if word in ("que", "quem", "qual", "quando", "porque", "embora", "se"):
                return "unclear"
            found = determiner(word)
            if (found and found[0] == source) or word in PLAIN_DETERMINERS:
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
                ahead = index + 1  # "é um grande ativo": a noun, not an adjective
            if ahead > index + 1 and (ahead == len(norms) or norms[ahead] in ENDS_PHRASE or norms[ahead] in PREPOSITIONS
                                      or norms[ahead] in CONTRACTION_WORDS or words[ahead].text[:1].isupper()):
                predicate.append((index, (found[0], False, found[1])))
                index += 1
            else:
                self._determined(words, norms, copula, probe, term_at, owned, source)
                return
        first = True  # only the predicate's first word is read by its ending alone ("es traductora")
        while index < len(norms) and index not in term_at:
            word = norms[index]
            if word in ADVERBS or word in JOINERS or word in COPULAS or word == "estado":
                index += 1
                continue
            found = adjective(word) or (self._regular(words[index].text, word) if first else None)
            first = False
            if found and found[2] is None:
                subject = self._subject(words, norms, copula, term_at, owned, source)[0]
                if subject != "other" and found[0] == source:
                    raise Unsafe(f"a predicate word the rules cannot swap ({words[index].text})")
                found = None
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
        noun's gender may follow the person ("é uma colega" <-> "é um colega", "é a campeã" <->
        "é o campeão") or not ("é uma pessoa amável"); "uma das", "a que" follow the person.
        Left out unless the noun is one whose gender stays or the subject is another noun phrase."""
        noun = norms[head] if head < len(norms) else ""
        if noun in FIXED_NOUNS:
            return
        subject = self._subject(words, norms, copula, term_at, owned, source)[0]
        if subject == "other":
            return
        person_like = (noun in COMMON_GENDER or noun.endswith(("ista", "istas", "nte", "ntes"))
                       or noun in ("de", "que", "qual", "quem", "") or noun in CONTRACTION_WORDS)
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
        if len(word) < 3 or determiner(word) or word in COMMON_GENDER:
            return None
        if invariant(word) or word.endswith(("nte", "ntes")):
            return None  # "é jornalista", "é estudante"
        # role nouns and adjectives whose masculine does not end in -o: "tradutora" <-> "tradutor",
        # "camponesa" <-> "camponês"; "-ona", "-ã", "-ão" have several (None: the rules cannot tell)
        for feminine, masculine in (("oras", "ores"), ("ora", "or"), ("esas", "eses"), ("esa", "ês")):
            if word.endswith(feminine) and len(word) > len(feminine) + 1:
                return "feminine", feminine.endswith("s"), word[: -len(feminine)] + masculine
        if word.endswith(("ona", "onas", "ã", "ãs")):
            return "feminine", word.endswith("s"), None
        if word.endswith(("ão", "ões", "ãos", "ães")):
            return "masculine", word.endswith("s"), None
        if word.endswith(("tor", "sor")) and word not in ("setor", "sector", "fator", "factor", "motor", "vetor", "trator"):
            return "masculine", False, word + "a"
        if word.endswith(("tores", "sores")) and word not in ("setores", "sectores", "fatores", "factores", "motores", "vetores", "tratores"):
            return "masculine", True, word[:-2] + "as"
        for masculine, feminine in (("ês", "esa"), ("eses", "esas")):
            if word.endswith(masculine) and len(word) > len(masculine) + 1:
                return "masculine", masculine.endswith("s"), word[: -len(masculine)] + feminine
        for feminine, masculine in (("as", "os"), ("a", "o")):
            if word.endswith(feminine):
                return "feminine", feminine == "as", word[: -len(feminine)] + masculine
            if word.endswith(masculine):
                return "masculine", masculine == "os", word[: -len(masculine)] + feminine
        return None

    def _alone(self, words, norms, source, owned) -> None:
        """"Mora sozinha", "trabalham juntos": an adjective after a verb agrees with the subject,
        which the rules do not find."""
        alone = ("sozinha", "sozinhas", "juntas") if source == "feminine" else ("sozinho", "sozinhos", "juntos")
        for index, word in enumerate(norms):
            before = norms[index - 1] if index else ""
            if word in alone and index not in owned and not determiner(before):
                raise Unsafe(f"an adjective that may agree with the person ({words[index].text})")

    def _clitics(self, norms, source, term_at) -> None:
        """An object pronoun of the person's old gender may be the person ("conheço-a há anos") or
        something else ("a carta, escrevi-a"): left out."""
        for index, word in enumerate(norms):
            if index in term_at:
                continue
            following = norms[index + 1] if index + 1 < len(norms) else ""
            before = norms[index - 1] if index else ""
            verb_before = before.endswith(VERB_ENDINGS) and before not in NOT_VERBS or before in VERB_WORDS
            verb_after = following.endswith(VERB_ENDINGS) and following not in NOT_VERBS or following in VERB_WORDS
            clause_ends = not following or following in CLAUSE_ENDS
            if word in ALWAYS_CLITICS[source]:
                raise Unsafe(f"an object pronoun that may be the person ({word})")
            if word in CLITIC_ARTICLES[source] and ((verb_before and clause_ends) or (verb_after and index + 1 not in term_at)):
                raise Unsafe(f"an object pronoun that may be the person ({word})")
            if word in CLITIC_NASAL[source] and before.endswith(("m", "ão", "õe")) and before not in NOT_VERBS_M and clause_ends:
                raise Unsafe(f"an object pronoun that may be the person ({word})")


GRAMMAR = Portuguese()
