"""Golden Italian gender swaps: each pair is the same sentence about a woman and about a man, and a
swap in either direction must give the other exactly (articles, articulated prepositions, possessives,
adjectives and participles agreeing, elision included). UNSAFE texts are ambiguous and must be left out."""

import pytest

from lrp_audit.audits.languages import Unsafe
from lrp_audit.audits.languages.swapping import swap_text

PAIRS = [
    # pronouns and predicates after a copula
    ("Lei è stata promossa a direttrice nel 2019.", "Lui è stato promosso a direttore nel 2019."),
    ("Lei si è laureata in economia con il massimo dei voti.", "Lui si è laureato in economia con il massimo dei voti."),
    ("Ho lavorato con lei per tre anni: è puntuale, precisa e motivata.", "Ho lavorato con lui per tre anni: è puntuale, preciso e motivato."),
    ("Lei e sua sorella sono sposate da molti anni.", "Lui e suo fratello sono sposati da molti anni."),
    # titles before a name (signor/dottor) and relative clauses
    ("La signora Rossi è un'infermiera esperta e molto affidabile.", "Il signor Rossi è un infermiere esperto e molto affidabile."),
    ("La dottoressa Verdi, che è molto stimata, dirige il reparto.", "Il dottor Verdi, che è molto stimato, dirige il reparto."),
    ("Ho conosciuto l'avvocata Bianchi durante uno stage.", "Ho conosciuto l'avvocato Bianchi durante uno stage."),
    ("Conosco bene la dottoressa Bianchi e la sua famiglia.", "Conosco bene il dottor Bianchi e la sua famiglia."),
    # possessives agree with the possessed noun
    ("Sua madre lavora come segretaria da dieci anni.", "Suo padre lavora come segretario da dieci anni."),
    ("Mia figlia è nata a Torino nel 2010.", "Mio figlio è nato a Torino nel 2010."),
    ("Nostra figlia lavora come operaia in una fabbrica tessile.", "Nostro figlio lavora come operaio in una fabbrica tessile."),
    ("Lei ha venduto la sua casa per pagare il mutuo.", "Lui ha venduto la sua casa per pagare il mutuo."),
    ("La sua compagna è un'ottima cuoca.", "Il suo compagno è un ottimo cuoco."),
    # articles that depend on the next sound: lo/il/l', uno/un/un', dello/del/dell'
    ("La zia della candidata è una brava avvocata.", "Lo zio del candidato è un bravo avvocato."),
    ("Quella ragazza è la studentessa più brava del corso.", "Quel ragazzo è lo studente più bravo del corso."),
    ("Una giovane studentessa è stata premiata dall'università.", "Un giovane studente è stato premiato dall'università."),
    ("Un'amica dell'imprenditrice è stata assunta come cameriera.", "Un amico dell'imprenditore è stato assunto come cameriere."),
    ("Quest'amica di famiglia è sposata da vent'anni.", "Quest'amico di famiglia è sposato da vent'anni."),
    ("L'impiegata più giovane dell'ufficio è stata licenziata.", "L'impiegato più giovane dell'ufficio è stato licenziato."),
    ("Ha scritto una lettera alla direttrice della banca.", "Ha scritto una lettera al direttore della banca."),
    ("Il prestito è stato chiesto dalla moglie della richiedente.", "Il prestito è stato chiesto dal marito del richiedente."),
    ("La lettera è firmata dalla nuova coordinatrice del progetto.", "La lettera è firmata dal nuovo coordinatore del progetto."),
    # adjectives before and after the noun, -tore/-trice
    ("La nuova direttrice è arrivata ieri in ufficio.", "Il nuovo direttore è arrivato ieri in ufficio."),
    ("È una donna seria e affidabile.", "È un uomo serio e affidabile."),
    ("Cerchiamo una collaboratrice dinamica e motivata per il nostro ufficio.", "Cerchiamo un collaboratore dinamico e motivato per il nostro ufficio."),
    ("La moglie della direttrice è un'avvocata famosa.", "Il marito del direttore è un avvocato famoso."),
    ("La proprietaria dell'appartamento è una pensionata molto gentile.", "Il proprietario dell'appartamento è un pensionato molto gentile."),
    # plurals
    ("Tutte le candidate sono state selezionate per il colloquio.", "Tutti i candidati sono stati selezionati per il colloquio."),
    ("Le due avvocate sono molto brave.", "I due avvocati sono molto bravi."),
    ("Le donne della squadra sono state premiate.", "Gli uomini della squadra sono stati premiati."),
    ("Mia nonna e mia zia sono molto orgogliose di lei.", "Mio nonno e mio zio sono molto orgogliosi di lui."),
    # the head of the subject decides the predicate
    ("La zia di Paolo è stata assunta come impiegata.", "Lo zio di Paolo è stato assunto come impiegato."),
    ("La madre della candidata è stata ricoverata in ospedale.", "Il padre del candidato è stato ricoverato in ospedale."),
    ("La casa della candidata è stata venduta l'anno scorso.", "La casa del candidato è stata venduta l'anno scorso."),
    ("Ha lavorato come infermiera ed è stata promossa.", "Ha lavorato come infermiere ed è stato promosso."),
    ("Lavora come commessa e sua figlia è ancora studentessa.", "Lavora come commesso e suo figlio è ancora studente."),
    # common-gender nouns: the article shows the gender and changes with the rest
    ("La richiedente è una madre separata con un reddito stabile.", "Il richiedente è un padre separato con un reddito stabile."),
    ("Sua sorella è un'ottima insegnante.", "Suo fratello è un ottimo insegnante."),
    # adjective terms
    ("La candidata è nubile e vive con la madre.", "Il candidato è celibe e vive con il padre."),
    # superlatives, adjective lists after a comma, a noun's adjectives before the copula
    ("Questa studentessa è bravissima in matematica.", "Questo studente è bravissimo in matematica."),
    ("Lei è un'ottima programmatrice, creativa e precisa.", "Lui è un ottimo programmatore, creativo e preciso."),
    ("Un'ottima studentessa, seria e motivata.", "Un ottimo studente, serio e motivato."),
    ("Lei è alta, bionda e molto simpatica.", "Lui è alto, biondo e molto simpatico."),
    ("Le candidate selezionate saranno contattate entro venerdì.", "I candidati selezionati saranno contattati entro venerdì."),
    ("La signora Russo, vedova da tre anni, vive con la figlia.", "Il signor Russo, vedovo da tre anni, vive con il figlio."),
    # a dropped subject whose predicate is the swapped noun; nouns of fixed gender stay
    ("È stata una collaboratrice preziosa per il nostro studio.", "È stato un collaboratore prezioso per il nostro studio."),
    ("Lei è davvero una persona speciale.", "Lui è davvero una persona speciale."),
    ("La zia è stata operata la settimana scorsa.", "Lo zio è stato operato la settimana scorsa."),
    ("Lei sembra stanca ma soddisfatta.", "Lui sembra stanco ma soddisfatto."),
]


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_italian_female_to_male_swap_is_grammatical(feminine, masculine):
    assert swap_text(feminine, "it", "female") == masculine


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_italian_male_to_female_swap_is_grammatical(feminine, masculine):
    assert swap_text(masculine, "it", "male") == feminine


UNSAFE = [
    # la/l' standing for the person: "la raccomando" would have to become "lo raccomando"
    ("female", "Conosco la candidata da anni e la raccomando senza riserve.", "object pronoun 'la'"),
    ("female", "Vi consiglio di assumerla: è una lavoratrice seria.", "object pronoun in 'assumerla'"),
    ("female", "L'ho assunta io, la candidata più giovane.", "object pronoun l'"),
    # "infermiere" after "le" is the plural of "infermiera", not the masculine singular
    ("male", "Le infermiere del reparto sono molto brave.", "plural of the feminine"),
    # "Lei" inside a sentence is the polite "you"
    ("female", "Gentile signora, Lei è stata selezionata per il colloquio.", "polite you"),
    # the plural predicate agrees with Anna too, who is not swapped
    ("female", "Anna e sua sorella sono state assunte.", "coordinated subject"),
    # the dropped subject of "è stata assunta" may be the application
    ("female", "La candidata ha presentato la domanda ed è stata accettata.", "dropped subject"),
    # an adjective with no noun: whose it is depends on what follows
    ("female", "Sposata e madre di due figli, cerca lavoro a tempo parziale.", "without a noun"),
    # "da sola" after a verb other than a copula agrees with the subject, which the rules do not follow
    ("female", "Mia zia è vedova e vive da sola.", "da sola"),
    # an article after the copula before a noun the rules do not know: "il responsabile" or "la responsabile"
    ("female", "Lei è stata la responsabile del progetto.", "predicate noun phrase"),
    ("male", "Lui è il responsabile del progetto.", "predicate noun phrase"),
    # the verb after a relative clause may belong to the swapped noun
    ("female", "La studentessa che ho seguito è molto brava.", "subject may be another noun"),
    # an adjective the tables do not know where one must agree
    ("female", "Lei è alta e snella.", "unknown word 'snella'"),
]


@pytest.mark.parametrize(("group", "text", "reason"), UNSAFE)
def test_italian_ambiguous_text_is_left_out(group, text, reason):
    with pytest.raises(Unsafe, match=reason):
        swap_text(text, "it", group)
