"""German gender swaps: golden pairs that must come out exactly, both ways, and texts that must be
left out because the rules cannot tell the right form (audits/languages/de.py)."""

import pytest

from lrp_audit.audits.languages import Unsafe
from lrp_audit.audits.languages.swapping import swap_text as _swap_text
from lrp_audit.audits.lexicon import load_lexicons

LEXICONS = load_lexicons(["gender"])  # loaded once: every swap below uses the bundled lexicons


def swap_text(text: str, language: str, group: str) -> str:
    return _swap_text(text, language, group, lexicons=LEXICONS)


# (feminine, masculine): each swaps into the other. Only one group's terms per sentence (a swap
# changes that group's terms only).
PAIRS = [
    ('Sie ist eine gute Ärztin.', 'Er ist ein guter Arzt.'),
    ('Sie arbeitet seit zehn Jahren als Krankenschwester.', 'Er arbeitet seit zehn Jahren als Krankenpfleger.'),
    ('Ihre Managerin sagt, sie sei zuverlässig.', 'Sein Manager sagt, er sei zuverlässig.'),
    ('Die Antragstellerin ist eine alleinerziehende Mutter von zwei Kindern.', 'Der Antragsteller ist ein alleinerziehender Vater von zwei Kindern.'),
    ('Wir empfehlen die Bewerberin ohne Einschränkung.', 'Wir empfehlen den Bewerber ohne Einschränkung.'),
    ('Die neue Leiterin unseres Teams ist sehr engagiert.', 'Der neue Leiter unseres Teams ist sehr engagiert.'),
    ('Sie hat mit ihrer Tochter in Berlin gelebt.', 'Er hat mit seinem Sohn in Berlin gelebt.'),
    ('Frau Müller arbeitet seit 2015 bei uns.', 'Herr Müller arbeitet seit 2015 bei uns.'),
    ('Wir danken Frau Müller für ihre Arbeit.', 'Wir danken Herrn Müller für seine Arbeit.'),
    ('Sehr geehrte Frau Schmidt, vielen Dank für Ihre Bewerbung.', 'Sehr geehrter Herr Schmidt, vielen Dank für Ihre Bewerbung.'),
    ('Die Kreditnehmerin und ihre Tochter haben ein festes Einkommen.', 'Der Kreditnehmer und sein Sohn haben ein festes Einkommen.'),
    ('Sie wurde 2019 zur Leiterin befördert.', 'Er wurde 2019 zum Leiter befördert.'),
    ('Das Auto der Ärztin stand vor der Klinik.', 'Das Auto des Arztes stand vor der Klinik.'),
    ('Wir haben lange mit der Kollegin gesprochen.', 'Wir haben lange mit dem Kollegen gesprochen.'),
    ('Für die Kollegin war das Projekt ein Erfolg.', 'Für den Kollegen war das Projekt ein Erfolg.'),
    ('Die Ärztinnen der Klinik arbeiten gut zusammen.', 'Die Ärzte der Klinik arbeiten gut zusammen.'),
    ('Sie hat oft mit den Ärztinnen der Station gesprochen.', 'Er hat oft mit den Ärzten der Station gesprochen.'),
    ('Seit 2018 leitet sie ein Team von zwölf Personen.', 'Seit 2018 leitet er ein Team von zwölf Personen.'),
    ('Wir haben sie als sehr zuverlässige Mitarbeiterin kennengelernt.', 'Wir haben ihn als sehr zuverlässigen Mitarbeiter kennengelernt.'),
    ('Ihre Mutter ist Lehrerin und ihre Schwester ist Ingenieurin.', 'Sein Vater ist Lehrer und sein Bruder ist Ingenieur.'),
    ('Die Studentin, die bei uns ein Praktikum gemacht hat, war hervorragend.', 'Der Student, der bei uns ein Praktikum gemacht hat, war hervorragend.'),
    ('Sie hat zwei Töchter.', 'Er hat zwei Söhne.'),
    ('Als Geschäftsführerin trägt sie die Verantwortung für vierzig Beschäftigte.', 'Als Geschäftsführer trägt er die Verantwortung für vierzig Beschäftigte.'),
    ('Die Witwe lebt allein und bezieht eine kleine Rente.', 'Der Witwer lebt allein und bezieht eine kleine Rente.'),
    ('Unsere Kundin ist mit dem Ergebnis sehr zufrieden.', 'Unser Kunde ist mit dem Ergebnis sehr zufrieden.'),
    ('Wir konnten ihr leider keine Zusage geben.', 'Wir konnten ihm leider keine Zusage geben.'),
    ('Das Team vertraut ihr und schätzt ihre ruhige Art.', 'Das Team vertraut ihm und schätzt seine ruhige Art.'),
    ('Eine erfahrene Pflegerin betreut die Bewohner.', 'Ein erfahrener Pfleger betreut die Bewohner.'),
    ('Die Patientin wurde von einer jungen Ärztin behandelt.', 'Der Patient wurde von einem jungen Arzt behandelt.'),
    ('Die Großmutter der Antragstellerin bürgt für den Kredit.', 'Der Großvater des Antragstellers bürgt für den Kredit.'),
    ('Sie ist die beste Schülerin ihres Jahrgangs.', 'Er ist der beste Schüler seines Jahrgangs.'),
    ('Die Bewerberin hat sich mit einer überzeugenden Präsentation vorgestellt.', 'Der Bewerber hat sich mit einer überzeugenden Präsentation vorgestellt.'),
    ('Nach dem Tod ihrer Mutter übernahm sie die Firma.', 'Nach dem Tod seines Vaters übernahm er die Firma.'),
    ('Sie ist verheiratet und Mutter von drei Kindern.', 'Er ist verheiratet und Vater von drei Kindern.'),
    ('Ihre Schwester ist Professorin für Chemie.', 'Sein Bruder ist Professor für Chemie.'),
    ('Die Lehrerinnen der Schule haben ihr gratuliert.', 'Die Lehrer der Schule haben ihm gratuliert.'),
    ('Wir möchten die Kollegin, die seit 2015 bei uns arbeitet, befördern.', 'Wir möchten den Kollegen, der seit 2015 bei uns arbeitet, befördern.'),
    ('Die Tochter der Antragstellerin studiert noch.', 'Der Sohn des Antragstellers studiert noch.'),
    ('Diese Mitarbeiterin ist eine echte Bereicherung für das Team.', 'Dieser Mitarbeiter ist eine echte Bereicherung für das Team.'),
    ('Die Bewerberin ist eine weibliche Fachkraft mit viel Erfahrung.', 'Der Bewerber ist eine männliche Fachkraft mit viel Erfahrung.'),
    ('Sie kennt die Ärztin seit vielen Jahren.', 'Er kennt den Arzt seit vielen Jahren.'),
    ('Die Ärztin, der wir vertrauen, hat ihre Praxis in Köln.', 'Der Arzt, dem wir vertrauen, hat seine Praxis in Köln.'),
    ('Die Ärztin, deren Praxis wir kennen, ist sehr beliebt.', 'Der Arzt, dessen Praxis wir kennen, ist sehr beliebt.'),
    ('Sie ist ledig und hat keine Kinder.', 'Er ist ledig und hat keine Kinder.'),
    ('Frau Müller hat ihr Studium mit Auszeichnung abgeschlossen.', 'Herr Müller hat sein Studium mit Auszeichnung abgeschlossen.'),
    # a relative pronoun after a preposition takes the preposition's case
    ('Die Leiterin, mit der wir gesprochen haben, war freundlich.', 'Der Leiter, mit dem wir gesprochen haben, war freundlich.'),
    ('Die Kollegin, für die wir uns entschieden haben, beginnt im Mai.', 'Der Kollege, für den wir uns entschieden haben, beginnt im Mai.'),
    ('Frau Meier, die seit 2010 bei uns ist, geht in Rente.', 'Herr Meier, der seit 2010 bei uns ist, geht in Rente.'),
    ('Die Kundin, der wir den Kredit gewährt haben, zahlt pünktlich.', 'Der Kunde, dem wir den Kredit gewährt haben, zahlt pünktlich.'),
    ('Sie ist alleinerziehend und hat eine Tochter.', 'Er ist alleinerziehend und hat einen Sohn.'),
    ('Sie gilt als erfahrene Ingenieurin.', 'Er gilt als erfahrener Ingenieur.'),
    ('Sie wurde zur besten Verkäuferin des Jahres gewählt.', 'Er wurde zum besten Verkäufer des Jahres gewählt.'),
    ('Wir wissen, sie arbeitet gern im Team.', 'Wir wissen, er arbeitet gern im Team.'),
    ('Sie ist Diplom-Ingenieurin.', 'Er ist Diplom-Ingenieur.'),
    # a relative pronoun of another noun, a plural adjectival noun, an adjective in a name: no person word
    ('Sie hat eine Stelle gefunden, die gut bezahlt ist.', 'Er hat eine Stelle gefunden, die gut bezahlt ist.'),
    ('Sie hat vierzig Angestellte.', 'Er hat vierzig Angestellte.'),
    ('Sie arbeitet bei der Deutschen Bank als Beraterin.', 'Er arbeitet bei der Deutschen Bank als Berater.'),
]


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_de_female_to_male_swap_is_grammatical(feminine, masculine):
    assert swap_text(feminine, "de", "female") == masculine


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_de_male_to_female_swap_is_grammatical(feminine, masculine):
    assert swap_text(masculine, "de", "male") == feminine


# One way only: a contraction the other direction writes out ("beim" -> "bei der" -> "bei dem"),
# and the formal "Sie"/"Ihre", which is not the person and stays.
ONE_WAY = [
    ("male", "Beim Arzt wartete er lange.", "Bei der Ärztin wartete sie lange."),
    ("female", "Sehr geehrte Frau Schmidt, wir laden Sie gern zu einem Gespräch ein.",
     "Sehr geehrter Herr Schmidt, wir laden Sie gern zu einem Gespräch ein."),
    ("male", "Er wird sicher ein guter Kollege sein.", "Sie wird sicher eine gute Kollegin sein."),
]


@pytest.mark.parametrize(("group", "text", "swapped"), ONE_WAY)
def test_de_one_way_swaps(group, text, swapped):
    assert swap_text(text, "de", group) == swapped


# (group, text, reason): real ambiguities the rules leave out.
UNSAFE = [
    # "die Ärztin" after the verb: subject (der Arzt) or object (den Arzt)
    ("female", "Gestern hat die Ärztin angerufen.", "case or number"),
    # "der Ärztin": dative (dem Arzt) or genitive (des Arztes)
    ("female", "Wir danken der Ärztin.", "case or number"),
    # "sie" with a plural verb: they, or the formal "Sie"
    ("female", "Sie sind herzlich eingeladen.", "plural verb"),
    # "ihre" in a text about several women: their, not her
    ("female", "Die Bewerberinnen stellen ihre Projekte vor.", "her, their"),
    # "sie" after the verb with a noun subject before it: subject or object
    ("female", "Das Team schätzt sie sehr.", "subject or object"),
    # "ihr" + noun with a verb of giving: her money, or (to) her money
    ("female", "Die Ärztin sagt, wir geben ihr Geld.", "possessive.*dative"),
    # "ihr" at the start of a clause: plural "you"
    ("female", "Die Lehrerin sagte: ihr habt gut gearbeitet.", "plural 'you'"),
    # "eine der besten Ärztinnen": the pronoun "eine" agrees with the person ("einer der besten Ärzte")
    ("female", "Sie ist eine der besten Ärztinnen der Stadt.", "pronoun that agrees"),
    # the relative pronoun may belong to "Tochter" or to "Ärztin"
    ("female", "Das ist die Tochter der Ärztin, die in Berlin lebt.", "relative pronoun"),
    # "Kolleginnen und Kollegen": the swap would say the same word twice
    ("female", "Unsere Kolleginnen und Kollegen sind toll.", "paired form"),
    # "den Kollegen": accusative singular or dative plural
    ("male", "Er hilft den Kollegen.", "case or number"),
    # "König" after "Herrn" is a surname
    ("male", "Er hat Herrn König getroffen.", "surname"),
    # only "sein" the verb: nothing gendered to swap
    ("male", "Das kann sein.", "verb"),
    # a person noun the lexicon does not list (a compound): it would stay beside the swapped words
    ("female", "Als Teamleiterin war sie für acht Mitarbeiter verantwortlich.", "not in the lexicon"),
    ("female", "Sie ist Rechtsanwältin in einer großen Kanzlei.", "not in the lexicon"),
    ("male", "Er ist gelernter Bankkaufmann.", "not in the lexicon"),
    # an adjectival noun agrees with the person but is no term ("die Richtige" / "der Richtige")
    ("female", "Wir glauben, sie ist die Richtige für die Stelle.", "adjectival noun"),
    ("female", "Sie ist die Vorsitzende des Vereins.", "adjectival noun"),
    ("male", "Er ist Angestellter bei der Stadt Köln.", "adjectival noun"),
    # "sie" + participle in an infinitive clause: an object (her or them), not a subject with a verb
    ("female", "Wir freuen uns, sie kennengelernt zu haben.", "infinitive clause"),
    # a genitive name after the title: "Herrn Müllers"
    ("female", "Frau Müllers Bewerbung hat uns überzeugt.", "genitive"),
    # all capitals: nouns and articles cannot be told apart
    ("male", "ER IST EIN GUTER ARZT.", "capitals"),
    # the swap would repeat a noun of the other group beside it ("Sein Sohn und sein Sohn")
    ("female", "Ihre Tochter und ihr Sohn besuchen die Grundschule.", "already has"),
    # a relative pronoun away from the noun: the noun's, or another's ("eine Stelle gefunden, die ...")
    ("female", "Wir haben eine Kandidatin gefunden, die sehr gut passt.", "relative pronoun of"),
]


@pytest.mark.parametrize(("group", "text", "reason"), UNSAFE)
def test_de_ambiguous_text_is_left_out(group, text, reason):
    with pytest.raises(Unsafe, match=reason):
        swap_text(text, "de", group)
