"""Golden gender swaps in Spanish: each pair is one sentence about a woman and the same sentence
about a man, both grammatical; a swap either way must give the other exactly. UNSAFE sentences
cannot be swapped by the rules (a real ambiguity) and must be left out."""

import pytest

from lrp_audit.audits.languages import Unsafe
from lrp_audit.audits.languages.swapping import swap_text
from lrp_audit.audits.lexicon import load_lexicons

LEXICONS = load_lexicons(["gender"])  # loaded once: every swap below uses the bundled lexicons

PAIRS = [
    ("Ella es muy trabajadora y responsable.", "Él es muy trabajador y responsable."),
    ("La doctora está cansada.", "El doctor está cansado."),
    ("Mi madre es una mujer muy generosa.", "Mi padre es un hombre muy generoso."),
    ("Conozco a la candidata desde hace cinco años.", "Conozco al candidato desde hace cinco años."),
    ("El informe de la directora fue muy positivo.", "El informe del director fue muy positivo."),
    ("Esta enfermera dedicada ha trabajado en el hospital durante diez años.",
     "Este enfermero dedicado ha trabajado en el hospital durante diez años."),
    ("Su hermana vive en Madrid y es abogada.", "Su hermano vive en Madrid y es abogado."),
    ("La señora García siempre ha sido una clienta puntual.", "El señor García siempre ha sido un cliente puntual."),
    ("Ella misma preparó la solicitud del préstamo.", "Él mismo preparó la solicitud del préstamo."),
    ("Recomiendo a mi antigua jefa sin ninguna reserva.", "Recomiendo a mi antiguo jefe sin ninguna reserva."),
    ("Las enfermeras del turno de noche están muy cansadas.", "Los enfermeros del turno de noche están muy cansados."),
    ("Es una madre soltera con dos hijos.", "Es un padre soltero con dos hijos."),
    ("La nueva abogada parece muy segura.", "El nuevo abogado parece muy seguro."),
    ("Trabajó como secretaria en una empresa pequeña.", "Trabajó como secretario en una empresa pequeña."),
    ("Ella fue nombrada directora general en 2019.", "Él fue nombrado director general en 2019."),
    ("La profesora de mi sobrina es muy exigente.", "El profesor de mi sobrino es muy exigente."),
    ("Mi abuela era una cocinera excelente.", "Mi abuelo era un cocinero excelente."),
    ("Aquella ingeniera joven diseñó el puente nuevo.", "Aquel ingeniero joven diseñó el puente nuevo."),
    ("Según su jefa, es una empleada muy cumplidora.", "Según su jefe, es un empleado muy cumplidor."),
    ("Sra. López, le escribo en relación con su solicitud.", "Sr. López, le escribo en relación con su solicitud."),
    ("La doctora Pérez es la médica más reconocida del hospital.",
     "El doctor Pérez es el médico más reconocido del hospital."),
    ("Esa chica es la hermana de mi compañera de trabajo.", "Ese chico es el hermano de mi compañero de trabajo."),
    ("Nuestra asesora financiera nos atendió con mucha paciencia.",
     "Nuestro asesor financiero nos atendió con mucha paciencia."),
    ("Es una excelente profesora y una compañera muy querida.", "Es un excelente profesor y un compañero muy querido."),
    ("Mi novia está muy contenta con su nuevo trabajo.", "Mi novio está muy contento con su nuevo trabajo."),
    ("Todas las candidatas seleccionadas tienen experiencia.", "Todos los candidatos seleccionados tienen experiencia."),
    ("La encargada de la tienda es una mujer muy organizada.", "El encargado de la tienda es un hombre muy organizado."),
    ("Contratamos a una cuidadora experta para nuestra abuela.", "Contratamos a un cuidador experto para nuestro abuelo."),
    ("La presidenta de la asociación parecía preocupada.", "El presidente de la asociación parecía preocupado."),
    ("Ella está casada y tiene dos hijos.", "Él está casado y tiene dos hijos."),
    ("La camarera más simpática del bar es mi vecina.", "El camarero más simpático del bar es mi vecino."),
    ("Conocí a su madre en una reunión del colegio.", "Conocí a su padre en una reunión del colegio."),
    ("Una amiga mía es peluquera en Sevilla.", "Un amigo mío es peluquero en Sevilla."),
    ("La reina visitó a la duquesa enferma.", "El rey visitó al duque enfermo."),
    ("Es la primera mujer elegida alcaldesa de este pueblo.", "Es el primer hombre elegido alcalde de este pueblo."),
    ("Nuestra nueva directora es muy exigente pero justa.", "Nuestro nuevo director es muy exigente pero justo."),
    ("Mi esposa quedó muy satisfecha con el servicio del banco.", "Mi esposo quedó muy satisfecho con el servicio del banco."),
    ("La solicitante vive con su madre, que es viuda.", "La solicitante vive con su padre, que es viudo."),
    ("Ella trabaja como investigadora y está muy bien valorada.", "Él trabaja como investigador y está muy bien valorado."),
    # an adjective the ending rules do not know, and masculine forms that do not end in -o
    ("Ella tiene una hija pequeña.", "Él tiene un hijo pequeño."),
    ("Es una vendedora nata y muy ambiciosa.", "Es un vendedor nato y muy ambicioso."),
    ("Ella es traductora y habla cuatro idiomas.", "Él es traductor y habla cuatro idiomas."),
    ("Las doctoras son catalanas.", "Los doctores son catalanes."),
    ("Mi hermana es cordobesa.", "Mi hermano es cordobés."),
    ("Su tía es la campeona de España.", "Su tío es el campeón de España."),
    # "-ista" does not change; the article before it does
    ("Ella es una periodista excelente.", "Él es un periodista excelente."),
    # "según" is a preposition: "la alumna" is another noun phrase, the subject of "es"
    ("Según la profesora, la alumna es muy aplicada.", "Según el profesor, el alumno es muy aplicado."),
    # a pronoun before "de las" agrees with the noun phrase
    ("Ninguna de las candidatas está preparada.", "Ninguno de los candidatos está preparado."),
    # nouns whose gender does not follow the person's
    ("Ella es una persona muy trabajadora.", "Él es una persona muy trabajadora."),
    ("Ella es la responsable del departamento de ventas.", "Él es el responsable del departamento de ventas."),
    ("La candidata es alta, rubia y muy simpática.", "El candidato es alto, rubio y muy simpático."),
    ("El informe de la solicitante menciona a su hija.", "El informe de la solicitante menciona a su hijo."),
]


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_spanish_female_to_male_swap_is_grammatical(feminine, masculine):
    assert swap_text(feminine, "es", "female", lexicons=LEXICONS) == masculine


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_spanish_male_to_female_swap_is_grammatical(feminine, masculine):
    assert swap_text(masculine, "es", "male", lexicons=LEXICONS) == feminine


UNSAFE = [
    # "la" here is the object pronoun: it may be the person or something else
    ("A la señora Ruiz la despidieron el año pasado.", "female", "object pronoun"),
    ("Recomendamos contratarla porque es una enfermera excelente.", "female", "object pronoun"),
    ("Lo ascendieron porque él es muy eficiente.", "male", "object pronoun"),
    # the subject of the predicate is dropped or could be another noun
    ("Ella compró la casa porque era barata.", "female", "subject is unclear"),
    ("Su jefa dice que es muy trabajadora.", "female", "subject is unclear"),
    ("Él vendió su coche y está contento.", "male", "subject is unclear"),
    # "hijas" has no partner: "hijos" is mostly "children"
    ("Sus hijas estudian en la universidad.", "female", "without a swap partner"),
    # the term is said of a noun phrase whose gender shows only in its article ("la solicitante")
    ("La solicitante es madre soltera y trabaja como enfermera.", "female", "said of a noun phrase"),
    # the second noun phrase may be the person too ("una excelente profesional")
    ("Es una gran madre y una excelente profesional.", "female", "coordinated noun phrase"),
    # "médica" is an adjective here (sick leave)
    ("Necesita la baja médica durante tres semanas.", "female", "may be an adjective"),
    ("Mi jefa me pidió que la ayudara con el informe.", "female", "object pronoun"),
    ("Ella es muy amable; sus compañeras la adoran.", "female", "object pronoun"),
    # an adjective after a verb that is not a copula agrees with a subject the rules do not find
    ("Mi tía es viuda y vive sola.", "female", "may agree with the person"),
    ("La doctora y la enfermera trabajan juntas desde 2015.", "female", "may agree with the person"),
    # "solo" after "él" may be the adverb "only" ("él solo necesita ...") or "alone"
    ("Él solo necesita un préstamo pequeño.", "male", "after a pronoun"),
    # an article before a noun with one form for both genders, or one the rules do not know
    ("Ella es una colega excelente.", "female", "may follow the person"),
    ("Él es un líder nato.", "male", "may follow the person"),
    ("Ella es la estudiante más brillante.", "female", "may follow the person"),
    ("Ella es una de las mejores empleadas de la empresa.", "female", "may follow the person"),
    ("Ella es la que más trabaja del equipo.", "female", "may follow the person"),
    # "la cliente": a masculine term said of a woman
    ("La cliente pidió un préstamo para su hijo.", "male", "does not agree with the term"),
    # an adjective the tables do not know, followed by one they do
    ("Es una vendedora tozuda y muy ambiciosa.", "female", "do not know"),
    ("Su abuela, ya jubilada, vive en el campo.", "female", "after a negation or adverb"),
    # "don" has no swap row
    ("Don Luis es el dueño del restaurante.", "male", "without a swap partner"),
]


@pytest.mark.parametrize(("text", "group", "reason"), UNSAFE)
def test_spanish_ambiguous_sentence_is_left_out(text, group, reason):
    with pytest.raises(Unsafe, match=reason):
        swap_text(text, "es", group, lexicons=LEXICONS)
