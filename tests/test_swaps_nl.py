"""Golden Dutch gender swaps: each pair is the same sentence about a woman and about a man, and a swap
in either direction must give the other exactly (ze/zij, haar as object or possessive, zijn as "his" or
"to be", het meisje / de jongen with its determiners and adjective endings). UNSAFE texts are
ambiguous and must be left out."""

import pytest

from lrp_audit.audits.languages import Unsafe
from lrp_audit.audits.languages.swapping import swap_text

PAIRS = [
    # zij/hij as subject, the verb showing the singular
    ("Zij werkt al tien jaar als verpleegster.", "Hij werkt al tien jaar als verpleger."),
    ("Sinds 2015 werkt zij als actrice in Amsterdam.", "Sinds 2015 werkt hij als acteur in Amsterdam."),
    ("Ik weet dat zij veel ervaring heeft.", "Ik weet dat hij veel ervaring heeft."),
    ("Zij is een betrouwbare en zelfstandige lerares.", "Hij is een betrouwbare en zelfstandige leraar."),
    # zij as "they" stays
    ("Zij hebben samen met haar moeder een winkel.", "Zij hebben samen met zijn vader een winkel."),
    # haar as object -> hem
    ("Ik ken haar al jaren en ik raad haar van harte aan.", "Ik ken hem al jaren en ik raad hem van harte aan."),
    ("We hebben haar gisteren gesproken.", "We hebben hem gisteren gesproken."),
    ("De klanten zijn erg tevreden over haar.", "De klanten zijn erg tevreden over hem."),
    ("De verwachtingen van haar zijn hoog en haar inzet is groot.", "De verwachtingen van hem zijn hoog en zijn inzet is groot."),
    ("De manager is blij met haar.", "De manager is blij met hem."),
    ("Volgens haar is het project geslaagd.", "Volgens hem is het project geslaagd."),
    # haar as possessive -> zijn; zijn as the verb stays
    ("Haar collega is arts en zij is lerares.", "Zijn collega is arts en hij is leraar."),
    ("Wij willen haar aannemen vanwege haar ervaring.", "Wij willen hem aannemen vanwege zijn ervaring."),
    ("Wij danken haar voor haar inzet.", "Wij danken hem voor zijn inzet."),
    ("Zij werkt hard, maar haar resultaten blijven achter.", "Hij werkt hard, maar zijn resultaten blijven achter."),
    ("Haar vorige werkgever was zeer tevreden over haar.", "Zijn vorige werkgever was zeer tevreden over hem."),
    ("Zij woont met haar dochter in Utrecht.", "Hij woont met zijn zoon in Utrecht."),
    ("Haar moeder en haar zus zijn allebei boerin.", "Zijn vader en zijn broer zijn allebei boer."),
    ("Zij vraagt een lening aan voor haar eigen bedrijf.", "Hij vraagt een lening aan voor zijn eigen bedrijf."),
    ("Haar grote ervaring is voor ons team belangrijk.", "Zijn grote ervaring is voor ons team belangrijk."),
    # titles
    ("Mevrouw De Vries is een ervaren zakenvrouw.", "Meneer De Vries is een ervaren zakenman."),
    ("Geachte mevrouw Jansen, bedankt voor uw sollicitatie.", "Geachte meneer Jansen, bedankt voor uw sollicitatie."),
    ("Mevr. Bakker werkt als directrice van de school.", "Dhr. Bakker werkt als directeur van de school."),
    # kinship and partners
    ("Zij is een alleenstaande moeder van twee kinderen.", "Hij is een alleenstaande vader van twee kinderen."),
    ("Mijn zus en haar vriendin wonen in Rotterdam.", "Mijn broer en zijn vriend wonen in Rotterdam."),
    ("De weduwe ontvangt een klein pensioen.", "De weduwnaar ontvangt een klein pensioen."),
    ("Haar dochter werkt als schoonmaakster in een hotel.", "Zijn zoon werkt als schoonmaker in een hotel."),
    ("Mijn oma en mijn tante zijn gepensioneerd.", "Mijn opa en mijn oom zijn gepensioneerd."),
    ("De aanvraag is ingediend door de echtgenote van de klant.", "De aanvraag is ingediend door de echtgenoot van de klant."),
    ("Mevrouw Visser en haar dochter vragen samen een hypotheek aan.", "Meneer Visser en zijn zoon vragen samen een hypotheek aan."),
    ("Mijn nichtje studeert medicijnen.", "Mijn neefje studeert medicijnen."),
    # role nouns, plural and several terms
    ("De verpleegsters en de serveersters werken in ploegendienst.", "De verplegers en de obers werken in ploegendienst."),
    ("Alle vrouwen in het team zijn goed opgeleid.", "Alle mannen in het team zijn goed opgeleid."),
    ("Onze nieuwe verkoopster begint maandag.", "Onze nieuwe verkoper begint maandag."),
    ("Zij is de eerste vrouw in deze functie.", "Hij is de eerste man in deze functie."),
    ("De zangeres en haar manager hebben een contract getekend.", "De zanger en zijn manager hebben een contract getekend."),
    # het meisje <-> de jongen: determiners, adjective endings, relative pronoun
    ("Het meisje dat ik ken is een lief meisje.", "De jongen die ik ken is een lieve jongen."),
    ("Dit meisje is slim en werkt hard.", "Deze jongen is slim en werkt hard."),
    ("Zij was een slim en nieuwsgierig meisje.", "Hij was een slimme en nieuwsgierige jongen."),
    ("Ons meisje zoekt een bijbaan.", "Onze jongen zoekt een bijbaan."),
    ("Elk meisje in de klas kreeg een prijs.", "Elke jongen in de klas kreeg een prijs."),
    ("Dat meisje heeft een heel groot talent.", "Die jongen heeft een heel groot talent."),
    ("Zij was een heel aardig meisje.", "Hij was een heel aardige jongen."),
    ("Het meisje, dat heel slim is, wil arts worden.", "De jongen, die heel slim is, wil arts worden."),
    ("Een klein meisje speelde in de tuin.", "Een kleine jongen speelde in de tuin."),
    # adjective terms
    ("De vrouwelijke kandidaat heeft haar diploma behaald.", "De mannelijke kandidaat heeft zijn diploma behaald."),
]


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_dutch_female_to_male_swap_is_grammatical(feminine, masculine):
    assert swap_text(feminine, "nl", "female") == masculine


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_dutch_male_to_female_swap_is_grammatical(feminine, masculine):
    assert swap_text(masculine, "nl", "male") == feminine


UNSAFE = [
    # an object "ze" is "her" or "them"
    ("female", "Ik heb ze gisteren gezien en gesproken.", "she or they"),
    ("female", "Omdat de manager ze heeft geholpen, kreeg zij de baan.", "she or they"),
    # "haar" before a word that may be a noun or a verb
    ("female", "Ik heb haar boeken gegeven.", "object or possessive"),  # gave her books / gave books to her
    ("female", "Wij hebben haar documenten gestuurd.", "object or possessive"),
    # "zijn" before a word the rules cannot tell as a noun or a predicate
    ("male", "Hij en zijn collega's zijn klaar, zijn baas niet.", "his or the verb"),
    ("male", "Hij zegt dat zijn ouders zijn zaak zijn begonnen.", "his or the verb"),
    # adjectives before "meisje" without a determiner
    ("female", "Zij was als klein meisje al zelfstandig.", "without a determiner"),
    # "haar" as "hair"
    ("female", "Zij heeft lang haar en draagt een bril.", "hair"),
    # a possessive that may be a thing's, with no other word for a person
    ("female", "De bank en haar klanten zijn tevreden.", "thing"),
    ("male", "Het bedrijf en zijn klanten zijn tevreden.", "thing"),
    # the swap would repeat a noun of the other group ("Mijn vader ... en mijn vader ...")
    ("female", "Mijn moeder is met pensioen en mijn vader werkt nog.", "already has"),
    # a female form whose masculine is mostly generic: a term without a swap row
    ("female", "De aanvraagster woont met haar dochter in Gent.", "without a swap partner"),
    # "wier"/"wiens": the relative possessive's antecedent is not found
    ("female", "Het meisje wier moeder ziek is, komt niet.", "wier"),
]


@pytest.mark.parametrize(("group", "text", "reason"), UNSAFE)
def test_dutch_ambiguous_text_is_left_out(group, text, reason):
    with pytest.raises(Unsafe, match=reason):
        swap_text(text, "nl", group)
