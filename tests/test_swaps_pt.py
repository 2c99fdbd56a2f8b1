"""Golden gender swaps in Portuguese: each pair is one sentence about a woman and the same
sentence about a man, both grammatical; a swap either way must give the other exactly. UNSAFE
sentences cannot be swapped by the rules (a real ambiguity) and must be left out."""

import pytest

from lrp_audit.audits.languages import Unsafe
from lrp_audit.audits.languages.swapping import swap_text
from lrp_audit.audits.lexicon import load_lexicons

LEXICONS = load_lexicons(["gender"])  # loaded once: every swap below uses the bundled lexicons

PAIRS = [
    ("Ela é muito trabalhadora e responsável.", "Ele é muito trabalhador e responsável."),
    ("A médica está cansada.", "O médico está cansado."),
    ("A minha mãe é uma mulher muito generosa.", "O meu pai é um homem muito generoso."),
    ("Conheço a candidata há cinco anos.", "Conheço o candidato há cinco anos."),
    ("O relatório da diretora foi muito positivo.", "O relatório do diretor foi muito positivo."),
    ("Esta enfermeira dedicada trabalhou no hospital durante dez anos.",
     "Este enfermeiro dedicado trabalhou no hospital durante dez anos."),
    ("A sua irmã mora em Lisboa e é advogada.", "O seu irmão mora em Lisboa e é advogado."),
    ("A senhora Silva sempre foi uma vizinha simpática.", "O senhor Silva sempre foi um vizinho simpático."),
    ("Ela mesma preparou o pedido de empréstimo.", "Ele mesmo preparou o pedido de empréstimo."),
    ("Recomendo a minha antiga professora sem qualquer reserva.",
     "Recomendo o meu antigo professor sem qualquer reserva."),
    ("As enfermeiras do turno da noite estão muito cansadas.", "Os enfermeiros do turno da noite estão muito cansados."),
    ("É uma mãe solteira com dois filhos.", "É um pai solteiro com dois filhos."),
    ("A nova advogada parece muito segura.", "O novo advogado parece muito seguro."),
    ("Trabalhou como secretária numa empresa pequena.", "Trabalhou como secretário numa empresa pequena."),
    ("Ela foi nomeada diretora geral em 2019.", "Ele foi nomeado diretor geral em 2019."),
    ("A professora da minha sobrinha é muito exigente.", "O professor do meu sobrinho é muito exigente."),
    ("A minha avó era uma cozinheira excelente.", "O meu avô era um cozinheiro excelente."),
    ("Aquela engenheira jovem projetou a ponte nova.", "Aquele engenheiro jovem projetou a ponte nova."),
    ("Segundo o seu chefe, ela é uma funcionária muito cumpridora.",
     "Segundo o seu chefe, ele é um funcionário muito cumpridor."),
    ("Sra. Costa, escrevo-lhe a respeito do seu pedido.", "Sr. Costa, escrevo-lhe a respeito do seu pedido."),
    ("A doutora Pereira é a médica mais conceituada do hospital.",
     "O doutor Pereira é o médico mais conceituado do hospital."),
    ("Essa menina é a irmã da minha colega de trabalho.", "Esse menino é o irmão da minha colega de trabalho."),
    ("A nossa assessora financeira atendeu-nos com muita paciência.",
     "O nosso assessor financeiro atendeu-nos com muita paciência."),
    ("A minha namorada está muito contente com o novo emprego.", "O meu namorado está muito contente com o novo emprego."),
    ("Todas as candidatas selecionadas têm experiência.", "Todos os candidatos selecionados têm experiência."),
    ("A encarregada da loja é uma mulher muito organizada.", "O encarregado da loja é um homem muito organizado."),
    ("Contratámos uma cuidadora experiente para a nossa avó.", "Contratámos um cuidador experiente para o nosso avô."),
    ("A diretora da associação parecia preocupada.", "O diretor da associação parecia preocupado."),
    ("Ela é casada e tem dois filhos.", "Ele é casado e tem dois filhos."),
    ("A empregada mais simpática do café é a minha vizinha.", "O empregado mais simpático do café é o meu vizinho."),
    ("Conheci a mãe dela numa reunião da escola.", "Conheci o pai dele numa reunião da escola."),
    ("Uma amiga minha é cabeleireira no Porto.", "Um amigo meu é cabeleireiro no Porto."),
    ("A rainha visitou a duquesa doente.", "O rei visitou o duque doente."),
    ("É a primeira mulher eleita prefeita desta cidade.", "É o primeiro homem eleito prefeito desta cidade."),
    ("A nossa nova diretora é muito exigente, mas justa.", "O nosso novo diretor é muito exigente, mas justo."),
    ("A minha esposa ficou muito satisfeita com o atendimento do banco.",
     "O meu esposo ficou muito satisfeito com o atendimento do banco."),
    ("Ela trabalha como pesquisadora e é muito bem avaliada.", "Ele trabalha como pesquisador e é muito bem avaliado."),
    # the possessive agrees with the possessed noun, not with the person: "o seu projeto" stays
    ("Ela apresentou o seu projeto à equipa com muita segurança.",
     "Ele apresentou o seu projeto à equipa com muita segurança."),
    ("A sua casa fica perto do trabalho dela.", "A sua casa fica perto do trabalho dele."),
    ("Ela ficou muito orgulhosa da filha.", "Ele ficou muito orgulhoso do filho."),
    ("Entreguei o contrato à advogada e pela tarde falei com a cliente.",
     "Entreguei o contrato ao advogado e pela tarde falei com a cliente."),
    # an adjective the ending rules do not know, and masculine forms that do not end in -o
    ("Ela tem uma filha pequena.", "Ele tem um filho pequeno."),
    ("Ela é uma vendedora nata e muito ambiciosa.", "Ele é um vendedor nato e muito ambicioso."),
    ("Ela é campeã nacional de xadrez.", "Ele é campeão nacional de xadrez."),
    ("Ela é tradutora e fala quatro línguas.", "Ele é tradutor e fala quatro línguas."),
    ("As médicas são catalãs.", "Os médicos são catalães."),
    ("A minha irmã é camponesa.", "O meu irmão é camponês."),
    # "são" is the verb, not the adjective
    ("Essas enfermeiras são muito competentes.", "Esses enfermeiros são muito competentes."),
    # "-ista" does not change; the article before it does
    ("Ela é uma jornalista excelente.", "Ele é um jornalista excelente."),
    # "segundo" is a preposition: "a aluna" is another noun phrase, the subject of "é"
    ("Segundo a professora, a aluna é muito aplicada.", "Segundo o professor, o aluno é muito aplicado."),
    # a pronoun before "das" agrees with the noun phrase
    ("Nenhuma das candidatas está preparada.", "Nenhum dos candidatos está preparado."),
    # nouns whose gender does not follow the person's
    ("Ela é uma pessoa muito trabalhadora.", "Ele é uma pessoa muito trabalhadora."),
    ("Ela é uma grande mais-valia para a equipa.", "Ele é uma grande mais-valia para a equipa."),
    ("A diretora é a responsável pelo projeto.", "O diretor é o responsável pelo projeto."),
    ("Ela é dona de uma loja.", "Ele é dono de uma loja."),
    ("Ela é muito boa no que faz.", "Ele é muito bom no que faz."),
]


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_portuguese_female_to_male_swap_is_grammatical(feminine, masculine):
    assert swap_text(feminine, "pt", "female", lexicons=LEXICONS) == masculine


@pytest.mark.parametrize(("feminine", "masculine"), PAIRS)
def test_portuguese_male_to_female_swap_is_grammatical(feminine, masculine):
    assert swap_text(masculine, "pt", "male", lexicons=LEXICONS) == feminine


UNSAFE = [
    # "a"/"o"/"-la" here are object pronouns: they may be the person or something else
    ("Conheço-a há muitos anos e ela é muito competente.", "female", "object pronoun"),
    ("A empresa decidiu contratá-la como enfermeira.", "female", "object pronoun"),
    ("O diretor promoveu-o porque ele é muito eficiente.", "male", "object pronoun"),
    # the subject of the predicate is dropped or could be another noun
    ("Ela comprou a casa porque era barata.", "female", "subject is unclear"),
    ("A chefe dela diz que está muito cansada.", "female", "subject is unclear"),
    # "filhas" has no partner: "filhos" is mostly "children"
    ("As filhas dela estudam em Coimbra.", "female", "without a swap partner"),
    # "médica" is an adjective here
    ("Precisa de uma consulta médica urgente.", "female", "may be an adjective"),
    # the term is said of a noun phrase whose gender shows only in its article ("a gerente")
    ("A gerente é mãe solteira e trabalha como enfermeira.", "female", "said of a noun phrase"),
    ("Conheci-a quando ela era estagiária.", "female", "object pronoun"),
    # an adjective after a verb that is not a copula agrees with a subject the rules do not find
    ("A minha tia é viúva e mora sozinha.", "female", "may agree with the person"),
    ("O médico e o enfermeiro trabalham juntos desde 2015.", "male", "may agree with the person"),
    # an article before a noun with one form for both genders, or one the rules do not know
    ("Ela é uma colega excelente.", "female", "may follow the person"),
    ("Ele é um líder nato.", "male", "may follow the person"),
    ("Ela é a estudante mais brilhante.", "female", "may follow the person"),
    ("Ela é uma das melhores funcionárias da empresa.", "female", "may follow the person"),
    # a word in "-ão" may be "-ã", "-oa" or "-ona" in the feminine: only listed ones are swapped
    ("Ele é brincalhão e muito simpático.", "male", "cannot swap"),
    # an adjective the tables do not know, followed by one they do
    ("Ela é uma vendedora sortuda e muito ambiciosa.", "female", "do not know"),
    ("A minha avó, já reformada, vive no campo.", "female", "after a negation or adverb"),
    # "Dona" has no swap row
    ("Dona Maria é a proprietária da loja.", "female", "without a swap partner"),
]


@pytest.mark.parametrize(("text", "group", "reason"), UNSAFE)
def test_portuguese_ambiguous_sentence_is_left_out(text, group, reason):
    with pytest.raises(Unsafe, match=reason):
        swap_text(text, "pt", group, lexicons=LEXICONS)
