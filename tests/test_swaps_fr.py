"""Golden French swaps: each pair is the same sentence about a woman and about a man, and the swap
must turn either into the other exactly; each unsafe sentence is a real ambiguity that is left out."""

import pytest

from lrp_audit.audits.languages import Unsafe
from lrp_audit.audits.languages.swapping import swap_text
from lrp_audit.audits.lexicon import load_lexicons

# The bundled gender lexicons, loaded once for every swap below.
LEXICONS = load_lexicons(["gender"])

PAIRS = [
    # a role noun used as an adjective of a thing stays ("les soins infirmiers": nursing care)
    ("Elle travaille dans les soins infirmiers depuis dix ans.", "Il travaille dans les soins infirmiers depuis dix ans."),
    # pronouns, predicates and participles
    ("Elle travaille comme infirmière depuis dix ans.", "Il travaille comme infirmier depuis dix ans."),
    ("Sa directrice dit qu'elle est très fiable.", "Son directeur dit qu'il est très fiable."),
    ("Elle est devenue directrice de l'agence l'année dernière.", "Il est devenu directeur de l'agence l'année dernière."),
    ("Elle a été promue chef de projet en 2019.", "Il a été promu chef de projet en 2019."),
    ("Elles sont arrivées en retard à l'entretien.", "Ils sont arrivés en retard à l'entretien."),
    ("Elle s'est montrée très patiente avec les patients.", "Il s'est montré très patient avec les patients."),
    ("Est-elle disponible dès lundi ?", "Est-il disponible dès lundi ?"),
    ("Il est important qu'elle soit présente à l'entretien.", "Il est important qu'il soit présent à l'entretien."),
    ("Il faut dire qu'elle est une excellente vendeuse.", "Il faut dire qu'il est un excellent vendeur."),
    ("Elle est partie en congé pendant deux mois.", "Il est parti en congé pendant deux mois."),
    ("Selon elle, son équipe est satisfaite.", "Selon lui, son équipe est satisfaite."),
    ("Elle-même a reconnu qu'elle était fatiguée.", "Lui-même a reconnu qu'il était fatigué."),
    ("Elle vit seule avec sa fille.", "Il vit seul avec son fils."),
    # noun phrases: articles, possessives, demonstratives, adjectives before and after
    ("La candidate est une mère célibataire de deux enfants.", "Le candidat est un père célibataire de deux enfants."),
    ("Mon amie est une avocate compétente et sérieuse.", "Mon ami est un avocat compétent et sérieux."),
    ("Cette infirmière est toujours ponctuelle.", "Cet infirmier est toujours ponctuel."),
    ("Sa nouvelle amie est arrivée hier.", "Son nouvel ami est arrivé hier."),
    ("Madame Martin est très satisfaite de son crédit.", "Monsieur Martin est très satisfait de son crédit."),
    ("L'employée a été licenciée en mars.", "L'employé a été licencié en mars."),
    ("Sa sœur aînée est avocate à Lyon.", "Son frère aîné est avocat à Lyon."),
    ("Sa tante est une femme généreuse.", "Son oncle est un homme généreux."),
    ("L'actrice principale est très connue.", "L'acteur principal est très connu."),
    ("Ma grand-mère est née en Bretagne.", "Mon grand-père est né en Bretagne."),
    ("Sa belle-sœur est vendeuse dans une boulangerie.", "Son beau-frère est vendeur dans une boulangerie."),
    ("Cette femme est la présidente de l'association.", "Cet homme est le président de l'association."),
    ("Notre employée la plus ancienne part à la retraite.", "Notre employé le plus ancien part à la retraite."),
    ("Sa petite amie est infirmière de nuit.", "Son petit ami est infirmier de nuit."),
    ("Ses deux sœurs sont mariées et vivent à Lyon.", "Ses deux frères sont mariés et vivent à Lyon."),
    ("Elle est la fille aînée de la famille.", "Il est le fils aîné de la famille."),
    ("Une amie m'a dit qu'elle cherchait un poste de serveuse.", "Un ami m'a dit qu'il cherchait un poste de serveur."),
    ("Chaque candidate doit être motivée et disponible.", "Chaque candidat doit être motivé et disponible."),
    ("D'après sa cousine, elle est la meilleure vendeuse du magasin.", "D'après son cousin, il est le meilleur vendeur du magasin."),
    ("Nous recherchons une serveuse dynamique et souriante.", "Nous recherchons un serveur dynamique et souriant."),
    ("Il s'agit d'une employée consciencieuse.", "Il s'agit d'un employé consciencieux."),
    ("Sa femme est enseignante dans un lycée.", "Son mari est enseignant dans un lycée."),
    ("Une femme d'affaires a ouvert son agence.", "Un homme d'affaires a ouvert son agence."),
    ("Ses filles sont étudiantes à Paris.", "Ses fils sont étudiants à Paris."),
    ("La fille de ma voisine est vendeuse.", "Le fils de ma voisine est vendeur."),
    # elision and contractions that follow the new word
    ("Le salaire de la vendeuse dépend de la directrice de l'entreprise.", "Le salaire du vendeur dépend du directeur de l'entreprise."),
    ("Elle a transmis le dossier de la tante à la directrice.", "Il a transmis le dossier de l'oncle au directeur."),
    ("Sa vieille amie travaille avec elle.", "Son vieil ami travaille avec lui."),
    # adjective lists across commas, predicates after tout and "la plus", coordinated pronouns
    ("Elle est une employée ponctuelle, rigoureuse et appréciée de tous.", "Il est un employé ponctuel, rigoureux et apprécié de tous."),
    ("C'est une excellente chercheuse, créative et très organisée.", "C'est un excellent chercheur, créatif et très organisé."),
    ("Elle a été licenciée, puis réembauchée en 2018.", "Il a été licencié, puis réembauché en 2018."),
    ("Elles sont toutes les deux très motivées.", "Ils sont tous les deux très motivés."),
    ("Quelle candidate est la plus qualifiée ?", "Quel candidat est le plus qualifié ?"),
    ("C'est elle qui est la plus expérimentée.", "C'est lui qui est le plus expérimenté."),
    ("Son épouse est infirmière et elle travaille de nuit.", "Son époux est infirmier et il travaille de nuit."),
    ("La candidate semble être sérieuse.", "Le candidat semble être sérieux."),
    ("La directrice de l'agence est très satisfaite.", "Le directeur de l'agence est très satisfait."),
    ("La cliente, âgée de 45 ans, est propriétaire de son logement.", "Le client, âgé de 45 ans, est propriétaire de son logement."),
    # plurals, -ent verbs, -s singulars, present participles
    ("Les vendeuses travaillent le samedi.", "Les vendeurs travaillent le samedi."),
    ("Les étudiantes françaises sont admises.", "Les étudiants français sont admis."),
    ("Les vendeuses parties en congé reviendront.", "Les vendeurs partis en congé reviendront."),
    ("Une candidate possédant une solide expérience.", "Un candidat possédant une solide expérience."),
    ("Elle est consultante indépendante depuis 2012.", "Il est consultant indépendant depuis 2012."),
    ("Elle a présenté sa candidature au poste de directrice adjointe.", "Il a présenté sa candidature au poste de directeur adjoint."),
    # "client" as a modifier is not a person
    ("Elle travaille au service client depuis deux ans.", "Il travaille au service client depuis deux ans."),
    ("Si elle est admise, elle commencera en janvier.", "S'il est admis, il commencera en janvier."),
]

UNSAFE = [
    ("Je connais bien cette candidate et je la recommande.", "object pronoun 'la'"),
    ("La directrice de l'agence l'a recommandée.", "object pronoun l'"),
    ("Elle est enceinte de son deuxième enfant.", "no masculine"),
    ("Elle est une collègue très appréciée.", "predicate noun phrase"),
    ("C'est celle qui a le plus d'expérience parmi les candidates.", "celle"),
    ("La fille a obtenu son diplôme.", "daughter or girl"),
    ("La femme de Paul est infirmière.", "woman or wife"),
    ("Sa tante est très coquette.", "unknown word"),
    ("Elle est la responsable du service client.", "predicate noun phrase"),
    ("Elle est ma supérieure depuis deux ans.", "predicate noun phrase"),
    ("Elle est l'aînée de trois enfants.", "predicate noun phrase"),
    ("L'infirmière qui s'occupe de lui est très attentive.", "predicate may agree"),
    ("Mme Leroy, directrice de l'école, est absente.", "predicate may agree"),
    ("Ma collègue et amie Sophie est très organisée.", "share a determiner"),
    ("Les deux sœurs sont très proches l'une de l'autre.", "l'une"),
]

UNSAFE_MALE = [
    ("Il est fier de son fils.", "impersonal or personal"),
    ("Il est ingénieur et son frère est médecin.", "unknown word"),
    ("Le fils de Marie l'a remplacé au bureau.", "object pronoun l'"),
    ("Mon oncle le connaît depuis longtemps.", "object pronoun 'le'"),
    ("Le directeur est arrivé avec celui de Lyon.", "celui"),
    ("Son père et son frère sont venus au bureau.", "coordinated subject"),
    ("Paul et lui sont venus.", "coordinated subject"),
    ("Son père et son frère travaillent dans la même entreprise.", "verb or adjective"),
    ("Cet étudiant, que j'ai encadré en stage, est sérieux.", "relative pronoun que"),
    ("Le dossier du candidat qui est complet a été transmis.", "antecedent is unclear"),
    ("Le directeur, travaillant seul, a réussi.", "present participle"),
]


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_french_female_to_male_swap_is_grammatical(feminine, masculine):
    assert swap_text(feminine, "fr", "female", lexicons=LEXICONS) == masculine


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_french_male_to_female_swap_is_grammatical(feminine, masculine):
    assert swap_text(masculine, "fr", "male", lexicons=LEXICONS) == feminine


@pytest.mark.parametrize(("text", "reason"), UNSAFE)
def test_french_ambiguous_feminine_text_is_left_out(text, reason):
    with pytest.raises(Unsafe, match=reason):
        swap_text(text, "fr", "female", lexicons=LEXICONS)


@pytest.mark.parametrize(("text", "reason"), UNSAFE_MALE)
def test_french_ambiguous_masculine_text_is_left_out(text, reason):
    with pytest.raises(Unsafe, match=reason):
        swap_text(text, "fr", "male", lexicons=LEXICONS)
