"""LLM decisions as auditors ask them: a Yes/No contrast, chat templates, answers of several tokens."""

from __future__ import annotations

import copy

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import tiny
import torch
import yaml

from lrp_audit.lrp import Explainer, LRPError
from lrp_audit.lrp.encoding import encode
from lrp_audit.lrp.faithfulness import perturbation_curves
from lrp_audit.pipelines.config import load_config
from lrp_audit.pipelines.scan import run_scan
from lrp_audit.pipelines.worker import ModelWorker
from lrp_audit.run_folder import SCHEMAS

PROMPT = "Profile: {text} Should this applicant be invited? Answer:"
CHAT = "{% for m in messages %}user: {{ m.content }} end{% endfor %}{% if add_generation_prompt %} assistant:{% endif %}"
PROFILES = ["She led a team of five engineers.", "He has ten years of nursing experience.", "ok", "A quiet candidate."]


def chat_tokenizer():
    tokenizer = copy.deepcopy(tiny.tokenizer())
    tokenizer.chat_template = CHAT
    return tokenizer


def _next_token_logits(model, tokenizer, text: str) -> torch.Tensor:
    ids = tokenizer([PROMPT.replace("{text}", text)])["input_ids"][0]
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0, -1]


def test_a_contrast_s_relevance_sums_to_logit_yes_minus_logit_no(tokenizer):
    model = tiny.model("llama", task="causal-lm", biases=False)
    (yes,), (no,) = (tokenizer.encode(word, add_special_tokens=False) for word in (" yes", " no"))
    for text, explanation in zip(PROFILES, Explainer(model, tokenizer, prompt=PROMPT).explain(PROFILES, " yes", contrast=" no")):
        logits = _next_token_logits(model, tokenizer, text)
        assert explanation.explained == pytest.approx(float(logits[yes] - logits[no]), rel=1e-5, abs=1e-6)
        assert abs(explanation.relevance_sum - explanation.explained) <= 1e-4 * (1 + abs(explanation.explained))


def test_the_target_s_relevance_alone_is_kept_beside_the_contrast_s(tokenizer):
    model = tiny.model("llama", task="causal-lm")
    explainer = Explainer(model, tokenizer, prompt=PROMPT)
    alone = explainer.explain(PROFILES, " yes")
    for contrasted, target in zip(explainer.explain(PROFILES, " yes", contrast=" no"), alone):
        assert contrasted.target_relevance_sum == pytest.approx(target.relevance_sum, rel=1e-5, abs=1e-6)
        assert contrasted.target_logit == pytest.approx(target.target_logit, rel=1e-6)


def test_a_binary_classifier_s_contrast_is_its_log_odds(tokenizer):
    model = tiny.model("bert", biases=False)
    model.config.id2label, model.config.label2id = {0: "approve", 1: "reject", 2: "other"}, {"approve": 0, "reject": 1, "other": 2}
    for explanation in Explainer(model, tokenizer).explain(PROFILES, "approve", contrast="reject"):
        probabilities = explanation.probabilities
        assert explanation.explained == pytest.approx(np.log(probabilities[0] / probabilities[1]), rel=1e-4, abs=1e-5)
        assert abs(explanation.relevance_sum - explanation.explained) <= 1e-4 * (1 + abs(explanation.explained))


def test_an_answer_of_several_tokens_sums_its_tokens_logits_and_its_relevance_sums_to_that(tokenizer):
    model = tiny.model("llama", task="causal-lm", biases=False)
    explainer = Explainer(model, tokenizer, prompt=PROMPT)
    for explanation in explainer.explain(PROFILES, " yes please", contrast=" no thanks"):
        assert explanation.answer[-2:] == ["target", "contrast"] and explanation.tokens[-2:] == ["yes", "no"]
        assert explanation.segment[-2:] == [None, None] and explanation.word_index[-2:] == [None, None]
        assert abs(explanation.relevance_sum - explanation.explained) <= 1e-4 * (1 + abs(explanation.explained))
        assert len(explanation.relevance) == len(explanation.tokens)


def test_a_chat_template_s_tokens_are_marked_as_template_and_the_text_keeps_its_offsets():
    tokenizer = chat_tokenizer()
    (record,) = encode(tokenizer, ["She led a team."], 64, PROMPT, chat_template=True)
    tokens = tokenizer.convert_ids_to_tokens(record.input_ids)
    own = [token for token, template, special in zip(tokens, record.is_template, record.is_special) if not (template or special)]
    assert own == ["she", "led", "a", "team", "."]
    assert tokens[0] == "user" and tokens[-1] == ":" and record.is_template[0] and record.is_template[-1]
    assert tokens.count("[CLS]") == 0  # the template's text brings its own specials: none are added
    starts = [start for start in record.char_start if start is not None]
    assert starts == [0, 4, 8, 10, 14]


def test_a_long_text_in_a_prompt_is_cut_and_the_question_after_it_kept_whole(tokenizer):
    long = " ".join(["experienced"] * 80)
    (short,), (cut,) = encode(tokenizer, ["fine"], 32, PROMPT), encode(tokenizer, [long], 32, PROMPT)
    assert cut.truncated and not short.truncated and len(cut) <= 32
    tail = len(short) - short.is_template.index(True, 3)  # the question and the answer cue after the text
    assert cut.input_ids[-tail:] == short.input_ids[-tail:]
    assert cut.text == long  # the example keeps its whole text; only what the model saw is cut


def test_a_prompt_that_leaves_no_room_for_the_text_is_refused(tokenizer):
    with pytest.raises(LRPError, match="the prompt alone is .* tokens: max_length 8"):
        encode(tokenizer, ["fine"], 8, PROMPT)


def test_predictions_for_a_contrast_weigh_the_target_against_it(tokenizer):
    model = tiny.model("llama", task="causal-lm")
    explainer = Explainer(model, tokenizer, prompt=PROMPT)
    (yes,), (no,) = (tokenizer.encode(word, add_special_tokens=False) for word in (" yes", " no"))
    scored = explainer.predict(explainer.encode(PROFILES), " yes", " no")
    for row, text in enumerate(PROFILES):
        logits = _next_token_logits(model, tokenizer, text)
        difference = float(logits[yes] - logits[no])
        assert scored.probability[row] == pytest.approx(1 / (1 + np.exp(-difference)), rel=1e-5)
        assert scored.agrees[row] == (difference > 0) and scored.prediction[row] == int(difference > 0)
        assert scored.outputs[row, 0] == pytest.approx(difference, rel=1e-5, abs=1e-6)


def test_the_faithfulness_curves_score_the_contrast(tokenizer):
    model = tiny.model("llama", task="causal-lm")
    explainer = Explainer(model, tokenizer, prompt=PROMPT)
    records = explainer.encode(PROFILES)
    curves = perturbation_curves({"cp-lrp": explainer}, records, [" yes"] * 4, [0] * 4, tokenizer.unk_token_id, contrasts=[" no"] * 4)
    scored = explainer.predict(records, " yes", " no")
    np.testing.assert_array_equal(curves["cp-lrp"].accuracy[:, -1], scored.agrees.astype(float))  # nothing replaced
    np.testing.assert_allclose(curves["cp-lrp"].probability[:, -1], scored.probability, rtol=1e-6)


# A scan of a causal LM with a chat template, asked "yes" against "no": the whole path.


@pytest.fixture(scope="module")
def decision_run(runtime, tmp_path_factory):
    folder = tmp_path_factory.mktemp("decisions")
    tiny.model("llama", task="causal-lm", biases=False).save_pretrained(folder / "model")
    chat_tokenizer().save_pretrained(folder / "model")
    pq.write_table(pq.read_table(_profiles(folder)), folder / "data.parquet")
    tree = {
        "model": {"name": str(folder / "model"), "task": "causal-lm"},
        "dataset": {"name": str(folder / "data.parquet")},
        "attribution": {"prompt": PROMPT, "chat_template": True, "target": " yes", "contrast": " no", "max_length": 40},
        "runtime": {"output_dir": str(folder / "runs")},
    }
    (folder / "scan.yaml").write_text(yaml.safe_dump(tree))
    return run_scan(load_config(folder / "scan.yaml"), runtime), folder


def _profiles(folder):
    import pyarrow as pa

    path = folder / "profiles.parquet"
    pq.write_table(pa.table({"text": PROFILES + [" ".join(["experienced"] * 60)]}), path)
    return path


def _read(run_dir, table):
    return pq.read_table(run_dir / table, schema=SCHEMAS[table]).sort_by("example_id")


def test_a_contrast_scan_stores_relevance_summing_to_logit_yes_minus_logit_no(decision_run):
    result, folder = decision_run
    examples, tokens = _read(result.run_dir, "examples"), _read(result.run_dir, "tokens")
    assert result.examples == len(PROFILES) + 1 and set(examples["contrast_label"].to_pylist()) == {"no"}
    explained = examples["explained"].to_numpy()
    np.testing.assert_allclose(explained, pc.subtract(examples["target_logit"], examples["contrast_logit"]).to_numpy())
    np.testing.assert_allclose(examples["relevance_sum"].to_numpy(), explained, rtol=1e-4, atol=1e-5)
    summed = tokens.group_by("example_id").aggregate([("relevance", "sum")]).sort_by("example_id")
    np.testing.assert_allclose(summed["relevance_sum"].to_numpy(), explained, rtol=1e-4, atol=1e-5)
    model = Explainer.from_pretrained(folder / "model", prompt=PROMPT, chat_template=True)
    first = model.explain([PROFILES[0]], " yes", contrast=" no")[0]
    assert examples["explained"][0].as_py() == pytest.approx(first.explained, rel=1e-5)


def test_a_chat_scan_marks_the_template_s_tokens_and_cuts_only_the_text(decision_run):
    result, _ = decision_run
    tokens, examples = _read(result.run_dir, "tokens"), _read(result.run_dir, "examples")
    first = tokens.filter(pc.equal(tokens["example_id"], "0")).sort_by("position")
    template = first["is_template"].to_pylist()
    assert template[0] and template[-1] and not any(first["is_special"].to_pylist())
    assert examples.filter(pc.field("truncated"))["example_id"].to_pylist() == [str(len(PROFILES))]
    long = tokens.filter(pc.equal(tokens["example_id"], str(len(PROFILES)))).sort_by("position")
    assert long.num_rows == 40 and long["token"].to_pylist()[-2:] == first["token"].to_pylist()[-2:]


def test_the_worker_reruns_and_evaluates_for_the_contrast(decision_run):
    _, folder = decision_run
    worker = ModelWorker(load_config(folder / "scan.yaml"))
    rows = [{"text": text, "text_pair": None, "target": 0, "seed": 1} for text in PROFILES]
    expected = worker.explainer.predict(worker.explainer.encode(PROFILES), " yes", " no")
    rerun = worker.rerun(rows)
    np.testing.assert_allclose(rerun["probability"], expected.probability)
    assert rerun["prediction"] == expected.prediction.tolist()
    curves = worker.evaluate(rows, ["cp-lrp"], worker.explainer.tokenizer.unk_token_id)
    np.testing.assert_allclose(curves["cp-lrp/probability"][:, -1], expected.probability, rtol=1e-6)


def test_options_at_their_defaults_and_checkpointing_leave_the_run_id_unchanged(tmp_path):
    def identity(attribution: dict) -> str:
        tree = {"model": {"name": "m"}, "dataset": {"name": "d.parquet"}, "attribution": attribution}
        (tmp_path / "scan.yaml").write_text(yaml.safe_dump(tree))
        return load_config(tmp_path / "scan.yaml").identity_hash()

    before = identity({"target": " yes"})  # a config written before these options existed
    assert identity({"target": " yes", "contrast": None, "chat_template": False, "checkpointing": True}) == before
    assert identity({"target": " yes", "contrast": " no"}) != before
    assert identity({"target": " yes", "chat_template": True}) != before
